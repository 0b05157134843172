package org.lmctfy.controller.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.core.testing.FakeCgroup;
import org.lmctfy.spi.SpecOperation;
import org.lmctfy.spi.StatsCapability;

class MonitoringFactoryTest {
  @TempDir Path tmp;

  private MonitoringFactory factory(String perfEventLine) throws Exception {
    Path proc = tmp.resolve("cgroups");
    Files.writeString(proc, "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t1\t1\t1\n" + perfEventLine + "\n");
    return new MonitoringFactory(proc);
  }

  @Test
  void v1WithoutThePerfEventHierarchyIsAFailedPreconditionNamingIt() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, false, List.of("cpu", "memory"));
    MonitoringFactory m = factory("perf_event\t0\t1\t1");
    assertThatThrownBy(() -> m.validate(f.context, spec("monitoring { enable_perf_counters: true }"),
        SpecOperation.CREATE)).isInstanceOfSatisfying(ContainerException.class,
        e -> assertThat(e.code()).isEqualTo(StatusCode.FAILED_PRECONDITION))
        .hasMessageContaining("perf_event hierarchy is not mounted").hasMessageContaining("CGROUP_PERF_EVENT");
  }

  @Test
  void v1UsesThePerfEventHierarchyAndStatsNameTheCgroup() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, false, List.of("perf_event"));
    MonitoringFactory m = factory("perf_event\t3\t1\t1");
    m.validate(f.context, spec("monitoring { enable_perf_counters: true }"), SpecOperation.CREATE);
    var h = m.attach(f.context).orElseThrow();
    assertThat(h.cgroupDirs()).containsExactly(tmp.resolve("perf_event/c"));
    ContainerStats.Builder s = ContainerStats.newBuilder();
    ((StatsCapability) h).fillStats(StatsType.SUMMARY, s);
    assertThat(s.getMonitoring().getPerfEventCgroup()).isEqualTo("c");
    assertThat(s.getMonitoring().getPerfEventMount()).isEqualTo(tmp.resolve("perf_event").toString());
  }

  @Test
  void cgroup2UsesTheContainersOwnCgroupWherePerfEventIsOnIt() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, true, List.of());
    assertThat(factory("perf_event\t0\t1\t1").attach(f.context).orElseThrow().cgroupDirs())
        .containsExactly(tmp.resolve("unified/c"));
    MonitoringFactory bound = factory("perf_event\t5\t1\t1"); // bound to a v1 hierarchy mounted elsewhere
    assertThatThrownBy(() -> bound.validate(f.context, spec("monitoring { enable_perf_counters: true }"),
        SpecOperation.CREATE)).isInstanceOfSatisfying(ContainerException.class,
        e -> assertThat(e.code()).isEqualTo(StatusCode.FAILED_PRECONDITION)).hasMessageContaining("perf_event");
    MonitoringFactory missing = factory("pids\t0\t1\t1"); // a kernel without perf_event
    assertThat(missing.hierarchies(f.layout)).isEmpty();
  }

  @Test
  void theKernelsTableIsReadOncePerLayout() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, true, List.of());
    MonitoringFactory m = factory("perf_event\t0\t1\t1");
    assertThat(m.hierarchies(f.layout)).hasSize(1);
    // perf_event bound elsewhere without a change of mounts (the same layout): the first answer stands.
    Files.writeString(tmp.resolve("cgroups"), "#subsys_name\thierarchy\tnum_cgroups\tenabled\nperf_event\t5\t1\t1\n");
    assertThat(m.hierarchies(f.layout)).hasSize(1);
    // A re-detected layout reads the table again.
    assertThat(m.hierarchies(FakeCgroup.of(tmp.resolve("again"), true, List.of()).layout)).isEmpty();
  }

  @Test
  void perfCountersCannotBeTurnedOffByAnUpdate() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, false, List.of("perf_event"));
    assertThatThrownBy(() -> factory("perf_event\t3\t1\t1").validate(f.context,
        spec("monitoring { enable_perf_counters: false }"), SpecOperation.UPDATE_DIFF))
        .isInstanceOfSatisfying(ContainerException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.UNIMPLEMENTED))
        .hasMessageContaining("monitoring.enable_perf_counters");
  }
}

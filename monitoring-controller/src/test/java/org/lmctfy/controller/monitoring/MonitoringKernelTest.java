package org.lmctfy.controller.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.Container;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.proto.MonitoringStats;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.core.testing.Workload;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.Hierarchy;

/**
 * A container's process is in the container's perf_event cgroup (root only): the v1 perf_event hierarchy where
 * mounted, else the cgroup2 one; {@code perf stat -G} with the cgroup stats name counts it, where perf is installed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MonitoringKernelTest {
  private KernelRoot k;

  @AfterEach
  void tearDown() throws Exception {
    if (k != null) {
      k.finish();
    }
  }

  @Test
  void theContainersProcessIsInItsPerfEventCgroup() throws Exception {
    KernelRoot.assumeKernel();
    MonitoringFactory f = new MonitoringFactory();
    assumeTrue(!f.hierarchies(CgroupLayout.detect()).isEmpty(), "no perf_event cgroup on this machine");
    k = new KernelRoot(f);
    Hierarchy h = f.hierarchies(k.layout).get(0);
    Container c = k.api.create("/mon", spec("monitoring { enable_perf_counters: true }"));
    MonitoringStats stats = c.stats(StatsType.SUMMARY).getMonitoring();
    assertThat(stats.getPerfEventCgroup()).isEqualTo(k.root.substring(1) + "/mon");
    assertThat(stats.getPerfEventMount()).isEqualTo(h.mountPoint().toString());
    assertThat(c.spec().getMonitoring().getEnablePerfCounters()).isTrue();
    try (Workload w = Workload.start(c, 30, "sleep", "20")) {
      long pid = w.commandPid();
      String line = Files.readAllLines(Path.of("/proc/" + pid + "/cgroup")).stream()
          .filter(l -> h.unified() ? l.startsWith("0::") : l.split(":")[1].contains("perf_event"))
          .findFirst().orElseThrow();
      // cgroup2: in the container's cgroup or its process leaf below it (perf counts descendants too).
      assertThat(line.substring(line.lastIndexOf(':') + 1)).startsWith("/" + stats.getPerfEventCgroup());
      if (Files.isExecutable(Path.of("/usr/bin/perf"))) {
        Process perf = new ProcessBuilder("/usr/bin/perf", "stat", "-x,", "-e", "task-clock", "-a", "-G",
            stats.getPerfEventCgroup(), "--", "sleep", "0.3").redirectErrorStream(true).start();
        assertThat(perf.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(perf.getInputStream().readAllBytes());
        assertThat(out).as("perf stat -G output").contains("task-clock").contains(stats.getPerfEventCgroup());
      }
    }
  }
}

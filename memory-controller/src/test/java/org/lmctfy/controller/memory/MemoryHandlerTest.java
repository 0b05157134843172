package org.lmctfy.controller.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.core.testing.FakeCgroup;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.StatsCapability;

/** The exact files and values the memory resource writes, on fake v1 and cgroup2 trees. */
class MemoryHandlerTest {
  @TempDir Path tmp;

  @Test
  void v1LimitReservationAndSwapInASafeOrder() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, false, List.of("memory"), "memory.limit_in_bytes",
        "memory.soft_limit_in_bytes", "memory.memsw.limit_in_bytes");
    f.set("memory.memsw.limit_in_bytes", "1000");
    ResourceHandler h = new MemoryFactory().attach(f.context).orElseThrow();
    h.update(spec("memory { limit: 2000 swap_limit: 3000 reservation: 500 }"), UpdatePolicy.DIFF);
    assertThat(f.read("memory.limit_in_bytes")).isEqualTo("2000");
    assertThat(f.read("memory.memsw.limit_in_bytes")).isEqualTo("3000");
    assertThat(f.read("memory.soft_limit_in_bytes")).isEqualTo("500");
    h.update(spec("memory { }"), UpdatePolicy.REPLACE);
    assertThat(f.read("memory.limit_in_bytes")).isEqualTo("-1");
    assertThat(f.read("memory.memsw.limit_in_bytes")).isEqualTo("-1");
    assertThat(f.read("memory.soft_limit_in_bytes")).isEqualTo("0");
    f.set("memory.limit_in_bytes", "9223372036854771712");
    ContainerSpec.Builder back = ContainerSpec.newBuilder();
    h.fillSpec(back);
    assertThat(back.getMemory().getLimit()).isEqualTo(-1);
  }

  @Test
  void v1WithoutSwapAccountingRefusesSwapNamingTheFile() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, false, List.of("memory"), "memory.limit_in_bytes",
        "memory.soft_limit_in_bytes");
    ResourceHandler h = new MemoryFactory().attach(f.context).orElseThrow();
    h.update(spec("memory { limit: 100 }"), UpdatePolicy.REPLACE); // REPLACE's default swap is skipped
    assertThatThrownBy(() -> h.update(spec("memory { swap_limit: 300 }"), UpdatePolicy.DIFF))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.FAILED_PRECONDITION))
        .hasMessageContaining("memory.memsw.limit_in_bytes");
  }

  @Test
  void v2MaxHighLowAndSwapAsMemswMinusLimit() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, true, List.of("memory"), "memory.max", "memory.high", "memory.low",
        "memory.swap.max", "memory.current", "memory.stat", "memory.events", "memory.swap.current",
        "memory.peak");
    ResourceHandler h = new MemoryFactory().attach(f.context).orElseThrow();
    h.update(spec("memory { limit: 1000 reservation: 100 swap_limit: 1500 }"), UpdatePolicy.REPLACE);
    assertThat(f.read("memory.max")).isEqualTo("1000");
    assertThat(f.read("memory.high")).isEqualTo("max");
    assertThat(f.read("memory.low")).isEqualTo("100");
    assertThat(f.read("memory.swap.max")).isEqualTo("500");
    h.update(spec("memory { limit: 1000 max_limit: 2000 }"), UpdatePolicy.DIFF);
    assertThat(f.read("memory.high")).isEqualTo("1000");
    assertThat(f.read("memory.max")).isEqualTo("2000");
    ContainerSpec.Builder back = ContainerSpec.newBuilder();
    h.fillSpec(back);
    assertThat(back.getMemory().getLimit()).isEqualTo(1000);
    assertThat(back.getMemory().getMaxLimit()).isEqualTo(2000);
    h.update(spec("memory { limit: 1200 }"), UpdatePolicy.DIFF); // keeps the max_limit in force
    assertThat(f.read("memory.high")).isEqualTo("1200");
    assertThat(f.read("memory.max")).isEqualTo("2000");

    f.set("memory.current", "900\n");
    f.set("memory.peak", "950\n");
    f.set("memory.swap.current", "0\n");
    f.set("memory.events", "low 0\nhigh 3\nmax 2\noom 1\noom_kill 1\n");
    f.set("memory.stat", "anon 600\nfile 300\ninactive_file 200\nactive_file 100\nkernel 10\n");
    ContainerStats.Builder s = ContainerStats.newBuilder();
    ((StatsCapability) h).fillStats(StatsType.FULL, s);
    assertThat(s.getMemory().getUsage()).isEqualTo(900);
    assertThat(s.getMemory().getMaxUsage()).isEqualTo(950);
    assertThat(s.getMemory().getWorkingSet()).isEqualTo(700);
    assertThat(s.getMemory().getOomKillCount()).isEqualTo(1);
    assertThat(s.getMemory().getFailCount()).isEqualTo(2);
    assertThat(s.getMemory().getContainerData().getRss()).isEqualTo(600);
    assertThat(s.getMemory().getContainerData().getCache()).isEqualTo(300);
  }

  @Test
  void v1StatsFromMemoryStat() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, false, List.of("memory"), "memory.limit_in_bytes",
        "memory.soft_limit_in_bytes", "memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.failcnt",
        "memory.oom_control", "memory.stat");
    f.set("memory.limit_in_bytes", "4096");
    f.set("memory.soft_limit_in_bytes", "9223372036854771712");
    f.set("memory.usage_in_bytes", "3000");
    f.set("memory.max_usage_in_bytes", "4000");
    f.set("memory.failcnt", "5");
    f.set("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    f.set("memory.stat", "cache 100\nrss 2000\ninactive_file 50\nhierarchical_memory_limit 4096\n"
        + "total_rss 2500\ntotal_inactive_file 80\n");
    ResourceHandler h = new MemoryFactory().attach(f.context).orElseThrow();
    ContainerStats.Builder s = ContainerStats.newBuilder();
    ((StatsCapability) h).fillStats(StatsType.SUMMARY, s);
    assertThat(s.getMemory().getReservation()).isEqualTo(-1);
    assertThat(s.getMemory().getOomKillCount()).isEqualTo(2);
    assertThat(s.getMemory().getWorkingSet()).isEqualTo(2920);
    assertThat(s.getMemory().getContainerData().getRss()).isEqualTo(2000);
    assertThat(s.getMemory().getHierarchicalData().getRss()).isEqualTo(2500);
    assertThat(s.getMemory().getEffectiveLimit()).isEqualTo(4096);
  }
}

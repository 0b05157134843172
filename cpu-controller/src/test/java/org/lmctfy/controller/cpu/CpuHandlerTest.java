package org.lmctfy.controller.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.core.testing.FakeCgroup;
import org.lmctfy.spi.ResourceHandler;

/** The exact files and values the cpu resource writes, on fake v1 (separate cpuacct) and cgroup2 trees. */
class CpuHandlerTest {
  @TempDir Path tmp;

  private ResourceHandler attach(FakeCgroup f) throws Exception {
    return new CpuFactory().attach(f.context).orElseThrow();
  }

  @Test
  void v1WritesSharesPeriodAndQuota() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, false, List.of("cpu", "cpuacct"), "cpu.shares", "cpu.cfs_period_us",
        "cpu.cfs_quota_us", "cpu.stat", "cpuacct.usage", "cpuacct.usage_percpu", "cpuacct.stat");
    ResourceHandler h = attach(f);
    assertThat(h.cgroupDirs()).containsExactly(tmp.resolve("cpu/c"), tmp.resolve("cpuacct/c"));
    h.update(spec("cpu { limit: 500 max_limit: 250 }"), UpdatePolicy.REPLACE);
    assertThat(f.read("cpu.shares")).isEqualTo("512");
    assertThat(f.read("cpu.cfs_period_us")).isEqualTo("250000");
    assertThat(f.read("cpu.cfs_quota_us")).isEqualTo("62500");
    h.update(spec("cpu { limit: 2000 }"), UpdatePolicy.DIFF);
    assertThat(f.read("cpu.shares")).isEqualTo("2048");
    assertThat(f.read("cpu.cfs_quota_us")).isEqualTo("62500");
    ContainerSpec.Builder back = ContainerSpec.newBuilder();
    h.fillSpec(back);
    assertThat(back.getCpu().getLimit()).isEqualTo(2000);
    assertThat(back.getCpu().getMaxLimit()).isEqualTo(250);
    h.update(spec("cpu { }"), UpdatePolicy.REPLACE);
    assertThat(f.read("cpu.shares")).isEqualTo("1024");
    assertThat(f.read("cpu.cfs_quota_us")).isEqualTo("-1");

    java.nio.file.Files.writeString(tmp.resolve("cpuacct/c/cpuacct.usage"), "5000000000\n");
    java.nio.file.Files.writeString(tmp.resolve("cpuacct/c/cpuacct.usage_percpu"), "3000000000 2000000000 \n");
    java.nio.file.Files.writeString(tmp.resolve("cpuacct/c/cpuacct.stat"), "user 300\nsystem 100\n");
    f.set("cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 123456\n");
    ContainerStats.Builder s = ContainerStats.newBuilder();
    ((org.lmctfy.spi.StatsCapability) h).fillStats(StatsType.FULL, s);
    assertThat(s.getCpu().getUsage().getTotal()).isEqualTo(5_000_000_000L);
    assertThat(s.getCpu().getUsage().getPerCpuList()).containsExactly(3_000_000_000L, 2_000_000_000L);
    assertThat(s.getCpu().getUsage().getUser()).isEqualTo(3_000_000_000L);
    assertThat(s.getCpu().getThrottlingData().getThrottledPeriods()).isEqualTo(4);
    assertThat(s.getCpu().getThrottlingData().getThrottledTime()).isEqualTo(123456);
    ContainerStats.Builder summary = ContainerStats.newBuilder();
    ((org.lmctfy.spi.StatsCapability) h).fillStats(StatsType.SUMMARY, summary);
    assertThat(summary.getCpu().hasThrottlingData()).isFalse();
  }

  @Test
  void v2WritesWeightAndMax() throws Exception {
    FakeCgroup f = FakeCgroup.of(tmp, true, List.of("cpu"), "cpu.weight", "cpu.max", "cpu.stat", "cpu.idle",
        "cpu.pressure");
    ResourceHandler h = attach(f);
    h.update(spec("cpu { limit: 1000 max_limit: 1500 scheduling_latency: BEST_EFFORT }"), UpdatePolicy.REPLACE);
    assertThat(f.read("cpu.weight")).isEqualTo("100");
    assertThat(f.read("cpu.max")).isEqualTo("375000 250000");
    assertThat(f.read("cpu.idle")).isEqualTo("1");
    h.update(spec("cpu { }"), UpdatePolicy.REPLACE);
    assertThat(f.read("cpu.max")).isEqualTo("max 250000");
    f.set("cpu.stat", "usage_usec 2000\nuser_usec 1500\nsystem_usec 500\nnr_periods 3\nnr_throttled 1\n"
        + "throttled_usec 7\n");
    f.set("cpu.pressure", "some avg10=1.50 avg60=0.00 avg300=0.00 total=42\nfull avg10=0.00 avg60=0.00"
        + " avg300=0.00 total=7\n");
    ContainerStats.Builder s = ContainerStats.newBuilder();
    ((org.lmctfy.spi.StatsCapability) h).fillStats(StatsType.FULL, s);
    assertThat(s.getCpu().getUsage().getTotal()).isEqualTo(2_000_000);
    assertThat(s.getCpu().getThrottlingData().getThrottledTime()).isEqualTo(7000);
    assertThat(s.getCpu().getPressure().getSome().getAvg10()).isEqualTo(1.5);
    assertThat(s.getCpu().getPressure().getFull().getTotal()).isEqualTo(7);
  }
}

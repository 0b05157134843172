package org.lmctfy.controller.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.CpuStats;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.core.testing.Workload;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.Hierarchy;

/** The cpu controller on the real kernel (root only). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CpuKernelTest {
  private KernelRoot k;
  private Hierarchy h;

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    assumeTrue(org.lmctfy.spi.cgroup.CgroupLayout.detect().forController("cpu").isPresent(), "no cpu controller");
    k = new KernelRoot(new CpuFactory());
    h = k.layout.forController("cpu").get();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (k != null) {
      k.finish();
    }
  }

  private Path dir(String name) {
    return k.rootDir(h).resolve(name);
  }

  @Test
  void aBusyLoopCappedAtAQuarterCpuUsesAQuarterCpu() throws Exception {
    Container c = k.api.create("/capped", spec("cpu { limit: 500 max_limit: 250 }"));
    if (h.unified()) {
      assertThat(ControlFiles.readLine(dir("capped"), CpuHandler.MAX)).isEqualTo("62500 250000");
      assertThat(ControlFiles.readLong(dir("capped"), CpuHandler.WEIGHT))
          .isEqualTo(CpuConversions.sharesToWeight(512));
    } else {
      assertThat(ControlFiles.readLong(dir("capped"), CpuHandler.QUOTA)).isEqualTo(62500);
      assertThat(ControlFiles.readLong(dir("capped"), CpuHandler.PERIOD)).isEqualTo(250000);
      assertThat(ControlFiles.readLong(dir("capped"), CpuHandler.SHARES)).isEqualTo(512);
    }
    try (Workload busy = Workload.start(c, 60, "/bin/sh", "-c", "while :; do :; done")) {
      Thread.sleep(500); // let it reach its steady state
      long u0 = c.stats(StatsType.SUMMARY).getCpu().getUsage().getTotal();
      long t0 = System.nanoTime();
      Thread.sleep(2500);
      long u1 = c.stats(StatsType.SUMMARY).getCpu().getUsage().getTotal();
      long t1 = System.nanoTime();
      double cpus = (double) (u1 - u0) / (t1 - t0);
      // The cap is the upper bound; below it the loop may get less on a busy machine, but not nothing.
      assertThat(cpus).as("CPU-seconds per second").isBetween(0.10, 0.30);
      CpuStats full = c.stats(StatsType.FULL).getCpu();
      assertThat(full.getThrottlingData().getThrottledPeriods()).isGreaterThan(0);
      assertThat(full.getThrottlingData().getThrottledTime()).isGreaterThan(0);
    }
  }

  @Test
  void specUpdatesAndResets() throws Exception {
    Container c = k.api.create("/s", spec("cpu { limit: 2000 max_limit: 1000 }"));
    // v1 reads shares back exactly (±1 by rounding); cgroup2's coarser weight within about 1%.
    assertThat(c.spec().getCpu().getLimit()).isBetween(1975L, 2025L);
    assertThat(c.spec().getCpu().getMaxLimit()).isEqualTo(1000);
    c.update(spec("cpu { max_limit: 500 }"), UpdatePolicy.DIFF);
    assertThat(c.spec().getCpu().getMaxLimit()).isEqualTo(500);
    assertThat(c.spec().getCpu().getLimit()).isBetween(1975L, 2025L);
    c.update(spec("cpu { limit: 100 }"), UpdatePolicy.REPLACE);
    assertThat(c.spec().getCpu().hasMaxLimit()).as("REPLACE lifts the cap").isFalse();
    assertThat(c.spec().getCpu().getLimit()).isBetween(95L, 105L);
  }

  @Test
  void badValuesAreRejectedBeforeAnythingIsWritten() throws Exception {
    assertCode("cpu { max_limit: 3 }", StatusCode.INVALID_ARGUMENT, "max_limit");
    assertCode("cpu { max_limit: " + (OnlineCpus.count() * 1000 + 1) + " }", StatusCode.INVALID_ARGUMENT, "online");
    assertCode("cpu { limit: 100000000 }", StatusCode.INVALID_ARGUMENT, "limit");
    assertCode("cpu { scheduling_latency: PREMIER }", StatusCode.UNIMPLEMENTED, "cpu.lat");
    assertThat(k.leftovers()).isEmpty();
    Container c = k.api.create("/lat", spec("cpu { scheduling_latency: NORMAL }"));
    assertThatThrownBy(() -> c.update(spec("cpu { scheduling_latency: BEST_EFFORT }"), UpdatePolicy.DIFF))
        .isInstanceOfSatisfying(ContainerException.class, e -> assertThat(e.code())
            .isEqualTo(StatusCode.INVALID_ARGUMENT)).hasMessageContaining("cannot be changed");
  }

  @Test
  void bestEffortRunsAsSchedIdle() throws Exception {
    assumeTrue(ControlFiles.exists(k.rootDir(h), CpuHandler.IDLE), "this kernel has no cpu.idle");
    k.api.create("/be", spec("cpu { scheduling_latency: BEST_EFFORT }"));
    assertThat(ControlFiles.readLong(dir("be"), CpuHandler.IDLE)).isEqualTo(1);
  }

  private void assertCode(String text, StatusCode code, String fragment) {
    assertThatThrownBy(() -> k.api.create("/bad", spec(text))).isInstanceOfSatisfying(ContainerException.class,
        e -> assertThat(e.code()).isEqualTo(code)).hasMessageContaining(fragment);
  }
}

package org.lmctfy.controller.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.spi.EventProbe;

/** The threshold's firing rule on a fake cgroupfs tree, where usage is whatever the test writes. */
class MemoryEventsTest {
  static final long MIB = 1 << 20;

  @TempDir
  Path dir;

  private void usage(long bytes) throws Exception {
    Files.writeString(dir.resolve("memory.current"), bytes + "\n");
  }

  @Test
  void usageJitteringAroundTheThresholdFiresOnceAndReArmsOnlyWellBelowIt() throws Exception {
    long th = 32 * MIB;
    long margin = MemoryEvents.hysteresis(th);
    assertThat(margin).isBetween(MIB, th / 4);
    usage(0);
    EventProbe p = MemoryEvents.threshold(dir, true, th);
    assertThat(p).isInstanceOf(MemoryEvents.SampledThreshold.class); // not a cgroupfs
    assertThat(p.poll()).as("baseline").isZero();
    usage(th + 100_000);
    assertThat(p.poll()).as("crossed").isEqualTo(1);
    assertThat(p.describe()).isEqualTo("memory usage crossed threshold " + th + " (usage now " + (th + 100_000) + ")");
    // The kernel's per-CPU charge batches: usage a little below, then above again.
    for (int i = 0; i < 5; i++) {
      usage(th - 200_000);
      assertThat(p.poll()).isZero();
      usage(th + 50_000);
      assertThat(p.poll()).as("jitter %d is not a crossing", i).isZero();
    }
    usage(th - margin - 1);
    assertThat(p.poll()).isZero();
    usage(th);
    assertThat(p.poll()).as("a crossing after going well below").isEqualTo(1);
  }

  @Test
  void registeredAboveTheThresholdFiresOnlyAfterGoingBelowIt() throws Exception {
    long th = 8 * MIB;
    usage(th + 1);
    EventProbe p = MemoryEvents.threshold(dir, true, th);
    assertThat(p.poll()).isZero();
    usage(th * 2);
    assertThat(p.poll()).isZero();
    usage(0);
    assertThat(p.poll()).isZero();
    usage(th * 2);
    assertThat(p.poll()).isEqualTo(1);
  }

  @Test
  void theHysteresisScalesWithCpusAndNeverSwallowsASmallThreshold() {
    long cpus = Runtime.getRuntime().availableProcessors();
    assertThat(MemoryEvents.hysteresis(1L << 40)).isEqualTo(Math.max(MIB, cpus * 256 * 1024));
    assertThat(MemoryEvents.hysteresis(4 * MIB)).isLessThanOrEqualTo(MIB);
    assertThat(MemoryEvents.hysteresis(2)).isEqualTo(1);
  }
}

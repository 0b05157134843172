package org.lmctfy.controller.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.spi.SignalledProbe;

/** When each probe asks the event loop to read it (fake cgroupfs tree: no kernel signals here). */
class MemoryEventsScheduleTest {
  static final long MIB = 1 << 20;
  static final long SAMPLE = TimeUnit.MILLISECONDS.toNanos(MemoryEvents.SAMPLE_MS);
  static final long MAX = TimeUnit.MILLISECONDS.toNanos(MemoryEvents.MAX_SAMPLE_MS);

  @TempDir
  Path dir;

  @Test
  void theSamplingPeriodGrowsWithTheDistanceBetweenItsBounds() {
    assertThat(MemoryEvents.sampleInterval(-1)).isEqualTo(SAMPLE);
    assertThat(MemoryEvents.sampleInterval(0)).isEqualTo(SAMPLE);
    assertThat(MemoryEvents.sampleInterval(MIB)).isEqualTo(SAMPLE);
    long cpus = Runtime.getRuntime().availableProcessors();
    long rate = MemoryEvents.GROWTH_BYTES_PER_SECOND_PER_CPU * cpus;
    assertThat(MemoryEvents.sampleInterval(rate / 10)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    assertThat(MemoryEvents.sampleInterval(Long.MAX_VALUE / 2)).isEqualTo(MAX);
  }

  @Test
  void aThresholdFarAboveUsageIsSampledRarelyAndOneCloseByEveryFewMilliseconds() throws Exception {
    long cpus = Runtime.getRuntime().availableProcessors();
    long far = MemoryEvents.GROWTH_BYTES_PER_SECOND_PER_CPU * cpus; // a second's growth away
    Files.writeString(dir.resolve("memory.current"), "0\n");
    Files.writeString(dir.resolve("memory.peak"), "0\n"); // the lifetime peak: crossings that set one are seen
    SignalledProbe p = (SignalledProbe) MemoryEvents.threshold(dir, true, far);
    assertThat(p.signalDescriptor()).isEqualTo(SignalledProbe.NO_DESCRIPTOR);
    assertThat(p.nanosToNextPoll()).as("before the baseline").isZero();
    p.poll();
    assertThat(p.nanosToNextPoll()).as("a second's growth below").isEqualTo(MAX);
    Files.writeString(dir.resolve("memory.current"), (far - MIB) + "\n");
    p.poll();
    assertThat(p.nanosToNextPoll()).as("a MiB below").isEqualTo(SAMPLE);
    Files.writeString(dir.resolve("memory.current"), far + "\n");
    assertThat(p.poll()).isEqualTo(1);
    assertThat(p.nanosToNextPoll()).as("just crossed: re-arming is near").isEqualTo(SAMPLE);
    p.close();
  }

  @Test
  void withoutAnyPeakEverySampleCounts() throws Exception {
    Files.writeString(dir.resolve("memory.current"), "0\n");
    SignalledProbe p = (SignalledProbe) MemoryEvents.threshold(dir, true, 1L << 40);
    p.poll();
    assertThat(p.nanosToNextPoll()).isEqualTo(SAMPLE);
    p.close();
  }

  @Test
  void cgroup2OomKillsAreWatchedAndReadOnlyRarelyWithoutAChange() throws Exception {
    Files.writeString(dir.resolve("memory.events"), "oom 0\noom_kill 0\n");
    SignalledProbe p = (SignalledProbe) MemoryEvents.oom(dir, true);
    assertThat(p.watchedFile()).isEqualTo(dir.resolve("memory.events"));
    assertThat(p.signalDescriptor()).isEqualTo(SignalledProbe.NO_DESCRIPTOR);
    p.poll();
    assertThat(p.nanosToNextPoll()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(MemoryEvents.SAFETY_READ_MS));
    p.close();
  }
}

package org.lmctfy.controller.memory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.lmctfy.api.ContainerException;
import org.lmctfy.spi.EventProbe;
import org.lmctfy.spi.SignalledProbe;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.KeyValues;

/**
 * The memory resource's events: OOM kills and usage crossing a threshold. Each probe tells the core's event
 * loop when to read it ({@link SignalledProbe}): on a signal of the kernel (v1's eventfd, cgroup2's
 * memory.events through inotify) and otherwise only as often as its job needs, so that an idle registration
 * costs nothing but a rare safety-net read.
 */
final class MemoryEvents {
  private MemoryEvents() {}

  /** The shortest sampling period (usage at or near a threshold, or nothing better to go by). */
  static final long SAMPLE_MS = 2;
  /** The longest: a threshold far away is still looked at this often. */
  static final long MAX_SAMPLE_MS = 1000;
  /**
   * How fast usage is assumed to grow at most, per CPU: faulting in fresh anonymous pages runs at ~1.5 GiB/s
   * on one CPU of the 2-core development machine; this leaves a margin.
   */
  static final long GROWTH_BYTES_PER_SECOND_PER_CPU = 2L << 30;
  /**
   * The safety-net read of a probe the kernel signals (OOM kills, v1 thresholds): it catches what no signal
   * announces (v1 signals a memcg OOM, not a kill by the global OOM killer) and a cgroup removed behind the
   * API's back (kernfs sends no inotify event for it).
   */
  static final long SAFETY_READ_MS = 60_000;

  /**
   * How long a sample may wait when usage is {@code distance} bytes from where it would matter: the time usage
   * needs to grow that far at {@link #GROWTH_BYTES_PER_SECOND_PER_CPU} on every CPU, between {@value #SAMPLE_MS}
   * and {@value #MAX_SAMPLE_MS} ms. A container far below its threshold is sampled rarely; one near it, every
   * {@value #SAMPLE_MS} ms.
   */
  static long sampleInterval(long distance) {
    long floor = TimeUnit.MILLISECONDS.toNanos(SAMPLE_MS);
    if (distance <= 0) {
      return floor;
    }
    double rate = (double) GROWTH_BYTES_PER_SECOND_PER_CPU * Runtime.getRuntime().availableProcessors();
    long ns = Math.round(distance * 1e9 / rate);
    return Math.max(floor, Math.min(TimeUnit.MILLISECONDS.toNanos(MAX_SAMPLE_MS), ns));
  }

  /**
   * OOM kills: cgroup2's {@code oom_kill} counter of memory.events (a change is announced by inotify; it
   * counts kills, not the limit being hit, which is {@code oom}); v1's {@code oom_kill} line of
   * memory.oom_control. On v1 the kernel's OOM eventfd says when to read it: every {@value #SAMPLE_MS} ms for
   * a second after a signal (the kill follows the notification), otherwise every {@value #OOM_IDLE_READ_MS} ms
   * as a safety net; the file is kept open (one pread per read) only during that second, so that an idle
   * registration holds one descriptor, its eventfd. Without the eventfd (no jnr-posix, a fake tree) the file
   * is kept open and read at every poll, every {@value #SAMPLE_MS} ms; cgroup2's is kept open.
   */
  static EventProbe oom(Path dir, boolean v2) throws ContainerException {
    OpenControlFile file = OpenControlFile.open(dir, v2 ? MemoryHandler.EVENTS : MemoryHandler.OOM_CONTROL);
    V1MemoryEventFd efd = null;
    if (!v2 && onCgroupFs(dir, false)) {
      try {
        efd = V1MemoryEventFd.registerOom(dir);
      } catch (LinkageError e) {
        efd = null; // no jnr-posix in this framework
      } catch (ContainerException | RuntimeException e) {
        file.close();
        throw e;
      }
    }
    OomProbe p = new OomProbe(dir, file, v2, efd);
    p.closeWhenIdle();
    return p;
  }

  /** How often a v1 OOM probe with an eventfd reads the kill counter when the kernel signalled nothing. */
  static final long OOM_IDLE_READ_MS = SAFETY_READ_MS;
  /** How long after an OOM signal the kill counter is read at every poll. */
  static final long OOM_HOT_MS = 1000;

  static final class OomProbe implements SignalledProbe {
    private final Path dir;
    /** Null while a v1 probe with an eventfd is idle (see {@link #read()}). */
    private OpenControlFile file;
    private final boolean v2;
    private final V1MemoryEventFd efd;
    private long last = -1;
    private long now;
    /** System.nanoTime of the last counter read, and until when reads follow every poll. */
    private long lastRead = System.nanoTime();
    private long hotUntil = lastRead;
    private boolean readNext;

    OomProbe(Path dir, OpenControlFile file, boolean v2, V1MemoryEventFd efd) {
      this.dir = dir;
      this.file = file;
      this.v2 = v2;
      this.efd = efd;
    }

    /** Whether the kernel's OOM eventfd drives the reads (v1 with jnr-posix). */
    boolean signalled() {
      return efd != null;
    }

    @Override
    public Path watchedFile() {
      return v2 ? dir.resolve(MemoryHandler.EVENTS) : null;
    }

    @Override
    public int poll() throws ContainerException {
      if (efd != null && last >= 0) {
        long t = System.nanoTime();
        if (efd.signals() > 0) {
          hotUntil = t + TimeUnit.MILLISECONDS.toNanos(OOM_HOT_MS);
        } else if (!readNext && t - hotUntil > 0
            && t - lastRead < TimeUnit.MILLISECONDS.toNanos(OOM_IDLE_READ_MS)) {
          return 0;
        }
        readNext = false;
        lastRead = t;
      }
      readNext = false;
      now = KeyValues.parse(read()).get("oom_kill");
      long delta = last < 0 ? 0 : now - last;
      last = now;
      return (int) Math.max(0, Math.min(Integer.MAX_VALUE, delta));
    }

    @Override
    public String describe() {
      return "oom_kill " + now;
    }

    private String read() throws ContainerException {
      if (file == null) {
        file = OpenControlFile.open(dir, MemoryHandler.OOM_CONTROL);
      }
      try {
        return file.read();
      } finally {
        closeWhenIdle();
      }
    }

    /** With the eventfd, the file is not held between reads outside the second after a signal. */
    void closeWhenIdle() {
      if (efd != null && file != null && System.nanoTime() - hotUntil >= 0) {
        file.close();
        file = null;
      }
    }

    @Override
    public int signalDescriptor() {
      return efd == null ? NO_DESCRIPTOR : efd.descriptor();
    }

    @Override
    public long nanosToNextPoll() {
      if (efd == null) { // cgroup2: inotify announces every change; v1 without the eventfd: sampled
        // ...but kills of a controller's absence (resumeFrom) are read at once: no change may come to announce.
        return readNext || last < 0 ? 0 : TimeUnit.MILLISECONDS.toNanos(v2 ? SAFETY_READ_MS : SAMPLE_MS);
      }
      long t = System.nanoTime();
      if (readNext || last < 0) {
        return 0;
      }
      if (t - hotUntil < 0) {
        return TimeUnit.MILLISECONDS.toNanos(SAMPLE_MS);
      }
      return Math.max(0, lastRead + TimeUnit.MILLISECONDS.toNanos(OOM_IDLE_READ_MS) - t);
    }

    @Override
    public long cursor() {
      return last < 0 ? NO_CURSOR : last;
    }

    @Override
    public void resumeFrom(long cursor) throws ContainerException {
      if (cursor == NO_CURSOR) {
        poll();
      } else {
        last = cursor;
        readNext = true; // kills of the absence: at the next poll, not the next idle read
      }
    }

    @Override
    public void close() {
      if (file != null) {
        file.close();
      }
      if (efd != null) {
        efd.close();
      }
    }
  }

  /**
   * Usage crossing {@code threshold} upwards: fires once per crossing, and again only after usage has gone
   * back below the threshold by the {@link #hysteresis}: usage climbing past a threshold goes down a little on
   * the way (pages freed; the kernel charges a cgroup in per-CPU batches of 64 pages, drained now and then),
   * so without the margin one climb could fire several times. Seen by the kernel, not only by sampling, so a spike shorter
   * than the sampling period still fires: on cgroup v1 the kernel's own threshold notification (an eventfd,
   * {@link V1MemoryEventFd}); on cgroup2, which has none, a file descriptor of memory.peak that is reset
   * after every sample (kernel 6.12 and later), so the highest usage between two samples is known. Where
   * neither is available (an older kernel, no jnr-posix, a fake cgroupfs tree in a test) usage is sampled
   * along with the lifetime peak ({@link SampledThreshold}).
   */
  static EventProbe threshold(Path dir, boolean v2, long threshold) throws ContainerException {
    if (onCgroupFs(dir, v2)) {
      if (v2) {
        OpenControlFile peak = PeakWatch.open(dir);
        if (peak != null) {
          try {
            return new PeakWatch(dir, threshold, peak);
          } catch (ContainerException | RuntimeException e) {
            peak.close();
            throw e;
          }
        }
      } else {
        V1MemoryEventFd efd = v1EventFd(dir, threshold);
        if (efd != null) {
          try {
            return new KernelThreshold(dir, threshold, efd);
          } catch (ContainerException | RuntimeException e) {
            efd.close();
            throw e;
          }
        }
      }
    }
    return new SampledThreshold(dir, v2, threshold);
  }

  /** How often a v1 threshold probe looks for its cgroup without a signal from the kernel. */
  static final long CHECK_GONE_MS = 250;


  /**
   * How far below the threshold usage must go to re-arm it: 256 KiB (the kernel's charge batch of 64 pages)
   * per CPU, at least 1 MiB, at most a quarter of the threshold.
   */
  static long hysteresis(long threshold) {
    long jitter = Math.max(1L << 20, (256L << 10) * Runtime.getRuntime().availableProcessors());
    return Math.max(1, Math.min(jitter, threshold / 4));
  }

  private static boolean onCgroupFs(Path dir, boolean v2) {
    try {
      return Files.getFileStore(dir).type().equals(v2 ? "cgroup2" : "cgroup");
    } catch (IOException e) {
      return false;
    }
  }

  private static V1MemoryEventFd v1EventFd(Path dir, long threshold) throws ContainerException {
    try {
      return V1MemoryEventFd.registerThreshold(dir, threshold);
    } catch (LinkageError e) {
      return null; // no jnr-posix in this framework: sampled
    }
  }

  private static String crossed(long threshold, long usage) {
    return "memory usage crossed threshold " + threshold + " (usage now " + usage + ")";
  }

  /**
   * The armed state the threshold probes share: armed (cursor 0) a crossing fires and disarms; disarmed
   * (cursor 1) usage below the threshold by the hysteresis re-arms. Registered while usage is at or above the
   * threshold, the probe starts disarmed.
   */
  abstract static class Armed implements SignalledProbe {
    final Path dir;
    final long threshold;
    final long rearmBelow;
    /** memory.current or memory.usage_in_bytes, kept open. */
    final OpenControlFile usageFile;
    /** Null before the baseline. */
    Boolean armed;
    long usage;

    Armed(Path dir, boolean v2, long threshold) throws ContainerException {
      this.dir = dir;
      this.threshold = threshold;
      this.rearmBelow = threshold - hysteresis(threshold);
      this.usageFile = OpenControlFile.open(dir, v2 ? MemoryHandler.CURRENT : MemoryHandler.USAGE);
    }

    /** Fires (1) when armed and {@code crossed}, then disarms; re-arms when {@code usage} is low enough. */
    int decide(boolean crossed) {
      if (armed == null) {
        armed = usage < threshold; // the baseline
        return 0;
      }
      if (armed && crossed) {
        armed = false;
        return 1;
      }
      if (!armed && usage < rearmBelow) {
        armed = true;
      }
      return 0;
    }

    @Override
    public Path watchedFile() {
      return null;
    }

    @Override
    public int signalDescriptor() {
      return NO_DESCRIPTOR;
    }

    /** Sampled as often as the distance from the last usage to the next decision needs. */
    @Override
    public long nanosToNextPoll() {
      if (armed == null) {
        return 0;
      }
      return sampleInterval(armed ? threshold - usage : usage - rearmBelow);
    }

    @Override
    public String describe() {
      return crossed(threshold, usage);
    }

    /** 0 armed (below), 1 disarmed (above): a crossing while no controller was active still fires. */
    @Override
    public long cursor() {
      return armed == null ? NO_CURSOR : armed ? 0 : 1;
    }

    @Override
    public void close() {
      usageFile.close();
    }
  }

  /**
   * Sampled usage, plus the cgroup's lifetime peak (cgroup2's memory.peak since Linux 5.19, v1's
   * memory.max_usage_in_bytes) read after it: a peak that grew past the threshold since the previous sample
   * is an upward crossing however short. A crossing shorter than the sampling period that does not set a new
   * peak can be missed.
   */
  static final class SampledThreshold extends Armed {
    private final OpenControlFile peakFile;
    private long peak = -1;

    SampledThreshold(Path dir, boolean v2, long threshold) throws ContainerException {
      super(dir, v2, threshold);
      String p = v2 ? MemoryHandler.PEAK : MemoryHandler.MAX_USAGE;
      OpenControlFile f = null;
      try {
        f = ControlFiles.exists(dir, p) ? OpenControlFile.open(dir, p) : null;
      } catch (ContainerException | RuntimeException e) {
        usageFile.close();
        throw e;
      }
      this.peakFile = f;
    }

    /** Whether the kernel keeps the peak this probe reads (cgroup2 before 5.19 does not). */
    boolean seesPeaks() {
      return peakFile != null;
    }

    /** Without a peak, a crossing between two samples is not seen at all: every {@value #SAMPLE_MS} ms. */
    @Override
    public long nanosToNextPoll() {
      return peakFile == null ? TimeUnit.MILLISECONDS.toNanos(SAMPLE_MS) : super.nanosToNextPoll();
    }

    @Override
    public int poll() throws ContainerException {
      // Usage first, then the peak: a peak that grows after this usage was read shows in the next sample.
      usage = usageFile.readLong();
      long lastPeak = peak;
      peak = peakFile == null ? -1 : peakFile.readLong();
      return decide(usage >= threshold || (lastPeak >= 0 && peak > lastPeak && peak >= threshold));
    }

    @Override
    public void resumeFrom(long cursor) throws ContainerException {
      if (cursor == NO_CURSOR) {
        poll();
      } else {
        // The peak starts from now: a spike during the absence that ended before it is not known.
        peak = -1;
        armed = cursor == 0;
      }
    }

    @Override
    public void close() {
      super.close();
      if (peakFile != null) {
        peakFile.close();
      }
    }
  }

  /**
   * cgroup v1: the kernel signals every crossing, both ways, on an eventfd; the probe fires on an upward one
   * while armed. Usage is read only while disarmed (to re-arm) or to describe an event.
   */
  static final class KernelThreshold extends Armed {
    private final V1MemoryEventFd efd;
    /** One crossing that happened while no controller was active (see resumeFrom). */
    private boolean pending;

    /** When the cgroup was last seen to exist (System.nanoTime); checked every CHECK_GONE_MS. */
    private long seen = System.nanoTime();

    KernelThreshold(Path dir, long threshold, V1MemoryEventFd efd) throws ContainerException {
      super(dir, false, threshold);
      this.efd = efd;
    }

    @Override
    public int poll() throws ContainerException {
      int up = efd.upwardCrossings();
      // The kernel also signals the eventfd when the cgroup is removed (after its directory is gone): that
      // signal is no crossing, so after a signal, and now and then without one, the cgroup is looked for.
      long now = System.nanoTime();
      if (up > 0 || now - seen > TimeUnit.MILLISECONDS.toNanos(CHECK_GONE_MS)) {
        if (!ControlFiles.isDirectory(dir)) {
          throw ContainerException.notFound("memory cgroup " + dir + " is gone");
        }
        seen = now;
      }
      boolean crossed = up > 0 || pending;
      pending = false;
      if (armed == null || !armed || crossed) {
        usage = usageFile.readLong();
      }
      if (armed == null) {
        armed = !efd.above(); // the kernel's side, not a usage read that may differ from it by a little
        return 0;
      }
      return decide(crossed);
    }

    @Override
    public int signalDescriptor() {
      return efd.descriptor();
    }

    /**
     * The kernel signals every crossing and the cgroup's removal: only while usage is below the threshold but
     * not yet below the re-arm margin is it sampled (the kernel does not signal the margin).
     */
    @Override
    public long nanosToNextPoll() {
      if (armed == null || pending) {
        return 0;
      }
      if (!armed && !efd.above()) {
        return sampleInterval(usage - rearmBelow);
      }
      return TimeUnit.MILLISECONDS.toNanos(SAFETY_READ_MS);
    }

    /** Registered now, the kernel's side is today's: armed at the cursor and above now is one crossing. */
    @Override
    public void resumeFrom(long cursor) throws ContainerException {
      poll();
      if (cursor != NO_CURSOR) {
        armed = cursor == 0;
        pending = armed && efd.above();
      }
    }

    @Override
    public void close() {
      super.close();
      efd.close();
    }
  }

  /**
   * cgroup2: usage sampled, plus the peak since the previous sample through a memory.peak descriptor that is
   * reset after each read (writing to it resets the peak seen through that descriptor only; other readers of
   * memory.peak, like the stats, keep the cgroup's lifetime peak).
   */
  static final class PeakWatch extends Armed {
    private final OpenControlFile peak;

    PeakWatch(Path dir, long threshold, OpenControlFile peak) throws ContainerException {
      super(dir, true, threshold);
      this.peak = peak;
    }

    /** memory.peak of {@code dir} opened for reading and resetting, or null where the kernel cannot reset it. */
    static OpenControlFile open(Path dir) {
      OpenControlFile f = null;
      try {
        f = OpenControlFile.openWritable(dir, MemoryHandler.PEAK);
        f.write("reset\n");
        return f;
      } catch (ContainerException e) {
        if (f != null) {
          f.close();
        }
        return null; // before 6.12 memory.peak is read-only (or absent before 5.19)
      }
    }

    @Override
    public int poll() throws ContainerException {
      // Peak since the last reset, then usage, then the reset: everything after the previous sample's usage
      // is in the next peak, so a peak above the threshold while that usage was below is an upward crossing.
      long max = peak.readLong();
      usage = usageFile.readLong();
      peak.write("reset\n");
      return decide(Math.max(max, usage) >= threshold);
    }

    /** The peak of the absence is not known (the descriptor is new): armed at the cursor and above now fires. */
    @Override
    public void resumeFrom(long cursor) throws ContainerException {
      if (cursor == NO_CURSOR) {
        poll();
      } else {
        armed = cursor == 0;
      }
    }

    @Override
    public void close() {
      super.close();
      peak.close();
    }
  }
}

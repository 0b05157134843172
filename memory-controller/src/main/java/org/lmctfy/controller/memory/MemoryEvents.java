package org.lmctfy.controller.memory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.lmctfy.api.ContainerException;
import org.lmctfy.spi.EventProbe;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.KeyValues;

/** The memory resource's events: OOM kills and usage crossing a threshold. */
final class MemoryEvents {
  private MemoryEvents() {}

  /**
   * OOM kills: cgroup2's {@code oom_kill} counter of memory.events (a change is announced by inotify; it
   * counts kills, not the limit being hit, which is {@code oom}); v1's {@code oom_kill} line of
   * memory.oom_control, sampled.
   */
  static EventProbe oom(Path dir, boolean v2) {
    return new EventProbe() {
      private long last = -1;
      private long now;

      @Override
      public Path watchedFile() {
        return v2 ? dir.resolve(MemoryHandler.EVENTS) : null;
      }

      @Override
      public int poll() throws ContainerException {
        now = KeyValues.parse(ControlFiles.read(dir, v2 ? MemoryHandler.EVENTS : MemoryHandler.OOM_CONTROL))
            .get("oom_kill");
        long delta = last < 0 ? 0 : now - last;
        last = now;
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, delta));
      }

      @Override
      public String describe() {
        return "oom_kill " + now;
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
        }
      }
    };
  }

  /**
   * Usage crossing {@code threshold} upwards: fires once per crossing, re-armed when usage is below it again.
   * Seen by the kernel, not only by sampling, so a spike shorter than the sampling period still fires: on
   * cgroup v1 the kernel's own threshold notification (an eventfd, {@link V1ThresholdEventFd}); on cgroup2,
   * which has none, a file descriptor of memory.peak that is reset after every sample (kernel 6.12 and
   * later), so the highest usage between two samples is known. Where neither is available (an older kernel,
   * no jnr-posix, a fake cgroupfs tree in a test) usage is sampled along with the lifetime peak
   * ({@link SampledThreshold}).
   */
  static EventProbe threshold(Path dir, boolean v2, long threshold) throws ContainerException {
    if (onCgroupFs(dir, v2)) {
      if (v2) {
        FileChannel peak = PeakWatch.open(dir);
        if (peak != null) {
          return new PeakWatch(dir, threshold, peak);
        }
      } else {
        V1ThresholdEventFd efd = v1EventFd(dir, threshold);
        if (efd != null) {
          return new KernelThreshold(dir, threshold, efd);
        }
      }
    }
    return new SampledThreshold(dir, v2, threshold);
  }

  private static boolean onCgroupFs(Path dir, boolean v2) {
    try {
      return Files.getFileStore(dir).type().equals(v2 ? "cgroup2" : "cgroup");
    } catch (IOException e) {
      return false;
    }
  }

  private static V1ThresholdEventFd v1EventFd(Path dir, long threshold) throws ContainerException {
    try {
      return V1ThresholdEventFd.register(dir, threshold);
    } catch (LinkageError e) {
      return null; // no jnr-posix in this framework: sampled
    }
  }

  private static String crossed(long threshold, long usage) {
    return "memory usage crossed threshold " + threshold + " (usage now " + usage + ")";
  }

  /**
   * Sampled usage, plus the cgroup's lifetime peak (cgroup2's memory.peak since Linux 5.19, v1's
   * memory.max_usage_in_bytes) read after it: a peak that grew past the threshold since the previous sample
   * is an upward crossing however short. A crossing shorter than the sampling period that does not set a new
   * peak can be missed.
   */
  static final class SampledThreshold implements EventProbe {
    private final Path dir;
    private final long threshold;
    private final String usageFile;
    private final String peakFile;
    private Boolean above;
    private long peak = -1;
    private long usage;

    SampledThreshold(Path dir, boolean v2, long threshold) {
      this.dir = dir;
      this.threshold = threshold;
      this.usageFile = v2 ? MemoryHandler.CURRENT : MemoryHandler.USAGE;
      String p = v2 ? MemoryHandler.PEAK : MemoryHandler.MAX_USAGE;
      this.peakFile = ControlFiles.exists(dir, p) ? p : null;
    }

    /** Whether the kernel keeps the peak this probe reads (cgroup2 before 5.19 does not). */
    boolean seesPeaks() {
      return peakFile != null;
    }

    @Override
    public Path watchedFile() {
      return null;
    }

    @Override
    public int poll() throws ContainerException {
      // Usage first, then the peak: a peak that grows after this usage was read shows in the next sample.
      usage = ControlFiles.readLong(dir, usageFile);
      long lastPeak = peak;
      peak = peakFile == null ? -1 : ControlFiles.readLong(dir, peakFile);
      boolean now = usage >= threshold;
      boolean fired = above != null && !above
          && (now || (lastPeak >= 0 && peak > lastPeak && peak >= threshold));
      above = now;
      return fired ? 1 : 0;
    }

    @Override
    public String describe() {
      return crossed(threshold, usage);
    }

    /** 1 above the threshold, 0 below: a crossing while no controller was active still fires. */
    @Override
    public long cursor() {
      return above == null ? NO_CURSOR : above ? 1 : 0;
    }

    @Override
    public void resumeFrom(long cursor) throws ContainerException {
      if (cursor == NO_CURSOR) {
        poll();
      } else {
        // The peak starts from now: a spike during the absence that ended before it is not known.
        peak = -1;
        above = cursor == 1;
      }
    }
  }

  /** cgroup v1: the kernel signals every crossing on an eventfd; the probe counts the upward ones. */
  static final class KernelThreshold implements EventProbe {
    private final Path dir;
    private final long threshold;
    private final V1ThresholdEventFd efd;
    private boolean baselined;
    /** One crossing that happened while no controller was active (see resumeFrom). */
    private int pending;
    private long usage;

    KernelThreshold(Path dir, long threshold, V1ThresholdEventFd efd) {
      this.dir = dir;
      this.threshold = threshold;
      this.efd = efd;
    }

    @Override
    public Path watchedFile() {
      return null;
    }

    @Override
    public int poll() throws ContainerException {
      int up = efd.upwardCrossings() + pending;
      pending = 0;
      // The kernel also signals the eventfd when the cgroup is removed (after its directory is gone): that
      // signal is no crossing, so a gone directory is checked after the read, whatever it said.
      if (!ControlFiles.isDirectory(dir)) {
        throw ContainerException.notFound("memory cgroup " + dir + " is gone");
      }
      if (!baselined) {
        baselined = true;
        up = 0;
      }
      if (up > 0) {
        usage = ControlFiles.readLong(dir, MemoryHandler.USAGE);
      }
      return up;
    }

    @Override
    public String describe() {
      return crossed(threshold, usage);
    }

    @Override
    public long cursor() {
      return efd.above() ? 1 : 0;
    }

    /** Registered now, the kernel's side is today's: below at the cursor and above now is one crossing. */
    @Override
    public void resumeFrom(long cursor) throws ContainerException {
      poll();
      if (cursor == 0 && efd.above()) {
        pending = 1;
      }
    }

    @Override
    public void close() {
      efd.close();
    }
  }

  /**
   * cgroup2: usage sampled, plus the peak since the previous sample through a memory.peak descriptor that is
   * reset after each read (writing to it resets the peak seen through that descriptor only; other readers of
   * memory.peak, like the stats, keep the cgroup's lifetime peak).
   */
  static final class PeakWatch implements EventProbe {
    private static final ByteBuffer RESET = ByteBuffer.wrap("reset\n".getBytes(StandardCharsets.US_ASCII));
    private final Path dir;
    private final long threshold;
    private final FileChannel peak;
    private final ByteBuffer buf = ByteBuffer.allocate(32);
    private Boolean above;
    private long usage;

    PeakWatch(Path dir, long threshold, FileChannel peak) {
      this.dir = dir;
      this.threshold = threshold;
      this.peak = peak;
    }

    /** An open, resettable memory.peak of {@code dir}, or null where the kernel cannot reset it. */
    static FileChannel open(Path dir) {
      FileChannel ch = null;
      try {
        ch = FileChannel.open(dir.resolve(MemoryHandler.PEAK), StandardOpenOption.READ, StandardOpenOption.WRITE);
        ch.write(RESET.duplicate(), 0);
        return ch;
      } catch (IOException | UnsupportedOperationException e) {
        if (ch != null) {
          try {
            ch.close();
          } catch (IOException ignored) {
            // nothing was written through it
          }
        }
        return null; // before 6.12 memory.peak is read-only (or absent before 5.19)
      }
    }

    @Override
    public Path watchedFile() {
      return null;
    }

    @Override
    public int poll() throws ContainerException {
      // Peak since the last reset, then usage, then the reset: everything after the previous sample's usage
      // is in the next peak, so a peak above the threshold while that usage was below is an upward crossing.
      long max;
      try {
        buf.clear();
        peak.read(buf, 0);
        buf.flip();
        max = Long.parseLong(StandardCharsets.US_ASCII.decode(buf).toString().trim());
      } catch (IOException | NumberFormatException e) {
        throw ControlFiles.isDirectory(dir) ? ContainerException.internal("read " + dir + "/memory.peak", e)
            : ContainerException.notFound("memory cgroup " + dir + " is gone");
      }
      usage = ControlFiles.readLong(dir, MemoryHandler.CURRENT);
      try {
        peak.write(RESET.duplicate(), 0);
      } catch (IOException e) {
        throw ControlFiles.isDirectory(dir) ? ContainerException.internal("reset " + dir + "/memory.peak", e)
            : ContainerException.notFound("memory cgroup " + dir + " is gone");
      }
      boolean fired = above != null && !above && Math.max(max, usage) >= threshold;
      above = usage >= threshold;
      return fired ? 1 : 0;
    }

    @Override
    public String describe() {
      return crossed(threshold, usage);
    }

    @Override
    public long cursor() {
      return above == null ? NO_CURSOR : above ? 1 : 0;
    }

    /** The peak of the absence is not known (the descriptor is new): below at the cursor and above now fires. */
    @Override
    public void resumeFrom(long cursor) throws ContainerException {
      if (cursor == NO_CURSOR) {
        poll();
      } else {
        above = cursor == 1;
      }
    }

    @Override
    public void close() {
      try {
        peak.close();
      } catch (IOException e) {
        // a descriptor of a kernfs file: nothing buffered to lose
      }
    }
  }
}

package org.lmctfy.controller.memory;

import java.nio.file.Path;
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

  /** Usage crossing {@code threshold} upwards; sampled (fires once per crossing, re-armed below it). */
  static EventProbe threshold(Path dir, boolean v2, long threshold) {
    return new EventProbe() {
      private Boolean above;
      private long usage;

      @Override
      public Path watchedFile() {
        return null;
      }

      @Override
      public int poll() throws ContainerException {
        usage = ControlFiles.readLong(dir, v2 ? MemoryHandler.CURRENT : MemoryHandler.USAGE);
        boolean now = usage >= threshold;
        boolean fired = above != null && !above && now;
        above = now;
        return fired ? 1 : 0;
      }

      @Override
      public String describe() {
        return "memory usage " + usage + " >= threshold " + threshold;
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
          above = cursor == 1;
        }
      }
    };
  }
}

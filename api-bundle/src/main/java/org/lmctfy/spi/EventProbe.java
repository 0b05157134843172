package org.lmctfy.spi;

import java.nio.file.Path;
import org.lmctfy.api.ContainerException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Reads one kind of event from the kernel. The core's event loop calls {@link #poll()} when the watched
 * file changes (inotify, e.g. cgroup2's memory.events) or, for probes without one, every few milliseconds; a
 * probe that also implements {@link SignalledProbe} says itself when it needs reading.
 */
@ConsumerType
public interface EventProbe {
  /** A file the kernel announces changes of through inotify, or null to be sampled. */
  Path watchedFile();

  /**
   * How many events happened since the previous call; the first call only takes the baseline and
   * returns 0. NOT_FOUND once the cgroup is gone.
   */
  int poll() throws ContainerException;

  /** Words for the listener about the last events, e.g. "oom_kill 3". */
  String describe();

  /** No position: a probe made to replace this one takes a fresh baseline. */
  long NO_CURSOR = Long.MIN_VALUE;

  /**
   * Where this probe is in the kernel's event stream (e.g. the {@code oom_kill} count it read last), or
   * {@link #NO_CURSOR}. When the resource's controller is swapped, the core asks the new controller for a new
   * probe of the same event and hands it this cursor (ARCHITECTURE.md § Hot-swap contract), so events that happened while no controller
   * was active are delivered once, not lost.
   *
   * @since 1.1
   */
  default long cursor() {
    return NO_CURSOR;
  }

  /**
   * Continues from the cursor of a previous probe of the same event instead of taking a baseline: the next
   * {@link #poll()} counts the events since that cursor. The default takes a fresh baseline.
   *
   * @since 1.1
   */
  default void resumeFrom(long cursor) throws ContainerException {
    poll();
  }

  /**
   * Releases what the probe holds in the kernel (e.g. an eventfd registered with cgroup v1's
   * cgroup.event_control). The core calls it once, when the registration ends or the probe is replaced (its
   * controller left), and never calls {@link #poll()} afterwards. The default holds nothing.
   *
   * @since 1.1
   */
  default void close() {}
}

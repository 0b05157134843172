package org.lmctfy.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A probe that tells the event loop when it needs reading, so that the loop sleeps in the kernel while
 * nothing happens instead of reading every probe every few milliseconds. The loop reads it ({@link #poll()})
 * when its {@link #signalDescriptor()} is readable, when its {@link #watchedFile()} changes (inotify), and
 * when {@link #nanosToNextPoll()} has passed; never otherwise. A probe that is only an {@link EventProbe} is
 * read every few milliseconds (no watched file) or every quarter second besides its file's changes.
 *
 * @since 1.2
 */
@ConsumerType
public interface SignalledProbe extends EventProbe {
  /** No descriptor: only the watched file and the time tell when to read the probe. */
  int NO_DESCRIPTOR = -1;

  /** No time-bound read: only a signal (descriptor or watched file) does. */
  long NEVER = Long.MAX_VALUE;

  /**
   * A file descriptor the kernel makes readable when an event may have happened (e.g. cgroup v1's eventfd
   * registered with cgroup.event_control), or {@link #NO_DESCRIPTOR}. The probe owns it: it stays open, and
   * the same, until {@link #close()}. {@link #poll()} must consume what made it readable (read the eventfd),
   * or the loop is woken again at once.
   */
  int signalDescriptor();

  /**
   * How long from now until the probe must be read even without a signal (a sample, a safety-net read, the
   * check that the cgroup still exists), in nanoseconds: 0 for at once, {@link #NEVER} for no such read.
   * Asked after the baseline and after every {@link #poll()}.
   */
  long nanosToNextPoll();
}

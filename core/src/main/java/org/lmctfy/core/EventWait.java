package org.lmctfy.core;

import java.nio.file.Path;
import java.util.Set;
import org.lmctfy.api.ContainerException;

/**
 * What the notification loop sleeps on: the descriptors probes hold, the directories of the files they watch,
 * and a timeout; {@link #wake()} ends a sleep early (a registration changed, the loop closes).
 */
interface EventWait extends AutoCloseable {
  /** No timeout. */
  long FOREVER = Long.MAX_VALUE;

  /** Whether {@link #add} can wait on a descriptor; otherwise probes with one are sampled. */
  boolean waitsOnDescriptors();

  /** Wakes the loop when {@code fd} is readable, reporting {@code token} (> 0). */
  void add(int fd, long token) throws ContainerException;

  /** Stops waiting on {@code fd}; called before the descriptor is closed. */
  void remove(int fd);

  /** Reports changes of the files in {@code dir} (counted: as many {@link #unwatch} calls end it). */
  void watch(Path dir) throws ContainerException;

  void unwatch(Path dir);

  /**
   * Sleeps until a descriptor is readable, a watched file changes, {@link #wake()} is called or
   * {@code timeoutNanos} have passed; adds the tokens of readable descriptors and the changed files.
   */
  void await(long timeoutNanos, Set<Long> readyTokens, Set<Path> changedFiles) throws InterruptedException;

  void wake();

  /** Called by the loop's thread once it has stopped waiting. */
  @Override
  void close();
}

package org.lmctfy.spi;

import java.nio.file.Path;
import org.lmctfy.api.ContainerException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Reads one kind of event from the kernel. The core's event loop calls {@link #poll()} when the watched
 * file changes (inotify, e.g. cgroup2's memory.events) or, for probes without one, every few milliseconds.
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
}

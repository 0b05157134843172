package org.lmctfy.core;

import java.nio.file.Path;
import org.lmctfy.api.ContainerException;
import org.lmctfy.spi.EventProbe;

/**
 * Container-empty, from the membership hierarchy: cgroup2's {@code populated} in cgroup.events (inotify
 * announces its changes), else sampling the processes of the v1 tracking cgroup. Fires when the last process
 * leaves, or at once when the container is empty at registration.
 */
final class EmptyProbe implements EventProbe {
  private final Tracking tracking;
  private final Path dir;
  private Boolean populated;

  EmptyProbe(Tracking tracking, Path dir) {
    this.tracking = tracking;
    this.dir = dir;
  }

  @Override
  public Path watchedFile() {
    return tracking.unified() ? dir.resolve("cgroup.events") : null;
  }

  @Override
  public int poll() throws ContainerException {
    if (!org.lmctfy.spi.cgroup.ControlFiles.isDirectory(dir)) {
      throw ContainerException.notFound("cgroup " + dir + " is gone");
    }
    boolean now = tracking.populated(dir);
    if (populated == null) {
      // The baseline. A container already empty when the notification is registered is reported at once
      // (on the next poll): whoever waits for "empty" must not wait forever.
      populated = Boolean.TRUE;
      return 0;
    }
    boolean fired = populated && !now;
    populated = now;
    return fired ? 1 : 0;
  }

  @Override
  public String describe() {
    return "container empty";
  }
}

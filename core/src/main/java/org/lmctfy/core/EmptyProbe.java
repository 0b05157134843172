package org.lmctfy.core;

import java.nio.file.Path;
import org.lmctfy.api.ContainerException;
import org.lmctfy.spi.EventProbe;

/**
 * Container-empty, from the membership hierarchy: cgroup2's {@code populated} in cgroup.events (inotify
 * announces its changes), else sampling the processes of the v1 tracking cgroup.
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
    boolean fired = populated != null && populated && !now;
    populated = now;
    return fired ? 1 : 0;
  }

  @Override
  public String describe() {
    return "container empty";
  }
}

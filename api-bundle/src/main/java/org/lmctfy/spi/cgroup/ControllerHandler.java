package org.lmctfy.spi.cgroup;

import java.nio.file.Path;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.ResourceHandler;
import org.osgi.annotation.versioning.ConsumerType;

/** Base of a cgroup-backed handler: its directories, its cgroup version, and removal. */
@ConsumerType
public abstract class ControllerHandler implements ResourceHandler {
  protected final ContainerContext container;
  protected final Hierarchy hierarchy;
  protected final List<Path> dirs;
  /** The main directory (first hierarchy). */
  protected final Path dir;
  /** True on cgroup2. */
  protected final boolean v2;

  protected ControllerHandler(ContainerContext container, Hierarchy hierarchy, List<Path> dirs) {
    this.container = container;
    this.hierarchy = hierarchy;
    this.dirs = List.copyOf(dirs);
    this.dir = dirs.get(0);
    this.v2 = hierarchy.unified();
  }

  protected ContainerName name() {
    return container.name();
  }

  @Override
  public List<Path> cgroupDirs() {
    return dirs;
  }

  @Override
  public void destroy() throws ContainerException {
    ControllerFactory.removeV1(List.of(hierarchy), dirs);
  }

  /** The container's cgroup2 directory where one exists (hybrid: the unified mount), for PSI files. */
  protected Path unifiedDir() throws ContainerException {
    var u = container.tree().layout().unified();
    return u.isPresent() ? container.tree().dir(u.get(), name()) : null;
  }
}

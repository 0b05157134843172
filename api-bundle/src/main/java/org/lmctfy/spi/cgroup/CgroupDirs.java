package org.lmctfy.spi.cgroup;

import java.nio.file.Path;
import org.lmctfy.api.ContainerException;

/**
 * Making cgroup directories that can hold processes, on every layout and whichever resource bundles are
 * present. Whoever creates a cgroup directory (the core's container root, a controller's container cgroup)
 * makes it through here.
 *
 * <p>The one case that needs work is a v1 hierarchy holding the cpuset controller: a new cpuset starts with
 * empty {@code cpuset.cpus} and {@code cpuset.mems} unless its parent has {@code cgroup.clone_children} set
 * (a flag that is 0 at boot), and writing a task into it fails with ENOSPC
 * (Documentation/admin-guide/cgroup-v1/cpusets.rst, 2.1). Such a directory gets its parent's values. cgroup2
 * cpusets inherit their parent's effective values and need nothing.
 *
 * @since 1.1
 */
public final class CgroupDirs {
  static final String CPUS = "cpuset.cpus";
  static final String MEMS = "cpuset.mems";

  private CgroupDirs() {}

  /** mkdir(2) of one cgroup of {@code h}, then {@link #makeUsable}; errors as {@link ControlFiles#mkdir}. */
  public static void mkdir(Hierarchy h, Path dir) throws ContainerException {
    ControlFiles.mkdir(dir);
    makeUsable(h, dir);
  }

  /**
   * Gives an existing cgroup what it needs to take processes (idempotent; nothing is written where nothing
   * is missing). The mount point itself is never written.
   *
   * @throws ContainerException FAILED_PRECONDITION when the parent has nothing to give either
   */
  public static void makeUsable(Hierarchy h, Path dir) throws ContainerException {
    if (h.unified() || !h.hasController("cpuset") || dir.equals(h.mountPoint())
        || !ControlFiles.exists(dir, MEMS)) {
      return;
    }
    if (!ControlFiles.readLine(dir, MEMS).isEmpty() && !ControlFiles.readLine(dir, CPUS).isEmpty()) {
      return;
    }
    Path parent = dir.getParent();
    for (String f : new String[] {CPUS, MEMS}) {
      if (ControlFiles.readLine(dir, f).isEmpty()) {
        String value = ControlFiles.readLine(parent, f);
        if (value.isEmpty()) {
          throw ContainerException.failedPrecondition("cpuset cgroup " + parent + " has an empty " + f
              + ": its child " + dir + " cannot be given CPUs and memory nodes to hold processes");
        }
        ControlFiles.write(dir, f, value);
      }
    }
  }
}

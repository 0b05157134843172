package org.lmctfy.spi.cgroup;

import java.nio.file.Path;
import java.util.Set;

/**
 * One mounted cgroup hierarchy, as read from /proc/self/mountinfo.
 *
 * @param mountPoint where it is mounted
 * @param mountRoot the hierarchy path shown at the mount point (mountinfo's 4th field, "/" unless a
 *     subtree is bind-mounted or a cgroup namespace is in use); /proc/PID/cgroup paths are relative to it
 * @param unified true for cgroup2
 * @param controllers v1: the co-mounted controllers; v2: the controllers in {@code cgroup.controllers}
 * @param name v1 named hierarchy ({@code name=...}), else null
 */
public record Hierarchy(Path mountPoint, String mountRoot, boolean unified, Set<String> controllers, String name) {
  public Hierarchy {
    controllers = Set.copyOf(controllers);
  }

  public boolean hasController(String controller) {
    return controllers.contains(controller);
  }

  @Override
  public String toString() {
    String what = unified ? "cgroup2" : name != null ? "name=" + name : String.join(",", controllers);
    return what + "@" + mountPoint;
  }
}

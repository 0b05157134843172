package org.lmctfy.spi.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.lmctfy.api.ContainerException;

/**
 * cgroup2 controller delegation (Documentation/admin-guide/cgroup-v2.rst, "Enabling and Disabling"): a
 * controller is usable in a cgroup only when every ancestor enables it in cgroup.subtree_control, which
 * must be done top-down.
 */
public final class Subtree {
  private Subtree() {}

  /** Enables {@code controller} in {@code dir} and every ancestor of it up to the mount point. */
  public static void enable(Hierarchy h, Path dir, String controller) throws ContainerException {
    if (!h.hasController(controller)) {
      throw ContainerException.failedPrecondition("The " + controller + " controller is not available in "
          + h.mountPoint() + "/cgroup.controllers");
    }
    List<Path> chain = new ArrayList<>();
    for (Path p = dir; p != null && p.startsWith(h.mountPoint()); p = p.getParent()) {
      chain.add(p);
    }
    Collections.reverse(chain);
    for (Path p : chain) {
      if (!enabled(p, controller)) {
        try {
          ControlFiles.write(p, "cgroup.subtree_control", "+" + controller);
        } catch (ContainerException e) {
          throw e.withContext("Enabling " + controller + " for the children of " + p + " (cgroup2 allows it"
              + " only while that cgroup holds no process of its own)");
        }
      }
    }
  }

  /** Whether {@code dir}'s children get {@code controller}. */
  public static boolean enabled(Path dir, String controller) throws ContainerException {
    for (String c : ControlFiles.readLine(dir, "cgroup.subtree_control").split(" ")) {
      if (c.equals(controller)) {
        return true;
      }
    }
    return false;
  }
}

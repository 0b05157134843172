package org.lmctfy.spi.cgroup;

import java.nio.file.Path;
import java.util.Optional;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.StatusCode;

/**
 * The container tree mapped onto the machine's hierarchies under a configurable root (ARCHITECTURE.md § State): container
 * {@code /a/b} lives at {@code <mount>/<root>/a/b} in each hierarchy. Every path it hands out is checked to
 * stay below {@code <mount>/<root>}.
 */
public final class CgroupTree {
  private final CgroupLayout layout;
  private final String root;

  /**
   * @param root the cgroup path of container {@code /}, e.g. {@code /} or {@code /lmctfy-test-x}; made of
   *     valid container-name components
   */
  public CgroupTree(CgroupLayout layout, String root) throws ContainerException {
    this.layout = layout;
    this.root = ContainerName.of(root).toString();
  }

  public CgroupLayout layout() {
    return layout;
  }

  /** The cgroup path of container {@code /}. */
  public String root() {
    return root;
  }

  /** The directory of the container root in {@code h}. */
  public Path rootDir(Hierarchy h) {
    return root.equals("/") ? h.mountPoint() : h.mountPoint().resolve(root.substring(1));
  }

  /** The directory of {@code name} in {@code h} (identity mapping). */
  public Path dir(Hierarchy h, ContainerName name) throws ContainerException {
    return below(h, name.relativePath());
  }

  /** A directory {@code relative} below the container root in {@code h}, refusing any escape. */
  public Path below(Hierarchy h, String relative) throws ContainerException {
    Path base = rootDir(h);
    Path p = relative.isEmpty() ? base : base.resolve(relative).normalize();
    if (!p.startsWith(base)) {
      throw new ContainerException(StatusCode.INVALID_ARGUMENT,
          "cgroup path \"" + relative + "\" escapes the container root " + base);
    }
    return p;
  }

  /** The hierarchy where {@code controller} is active, or FAILED_PRECONDITION naming it. */
  public Hierarchy require(String controller) throws ContainerException {
    Optional<Hierarchy> h = layout.forController(controller);
    if (h.isEmpty()) {
      throw ContainerException.failedPrecondition("The " + controller
          + " cgroup controller is not available on this machine (not mounted in v1, not enabled in cgroup2)");
    }
    return h.get();
  }

  /**
   * The container a cgroup path (as in /proc/PID/cgroup, relative to the hierarchy's mount root) belongs
   * to (a process leaf's is its container's), or empty when it lies outside the container root.
   */
  public Optional<String> containerPathOf(Hierarchy h, String cgroupPath) {
    String full = cgroupPath;
    if (full.endsWith("/" + ProcessLeaf.NAME)) { // a container's own process, in its leaf
      full = full.substring(0, full.length() - ProcessLeaf.NAME.length() - 1);
      if (full.isEmpty()) {
        full = "/";
      }
    }
    String mountRoot = h.mountRoot();
    if (!mountRoot.equals("/") && full.startsWith(mountRoot)) {
      full = full.substring(mountRoot.length());
      if (full.isEmpty()) {
        full = "/";
      }
    }
    if (root.equals("/")) {
      return Optional.of(full);
    }
    if (full.equals(root)) {
      return Optional.of("/");
    }
    if (full.startsWith(root + "/")) {
      return Optional.of(full.substring(root.length()));
    }
    return Optional.empty();
  }
}

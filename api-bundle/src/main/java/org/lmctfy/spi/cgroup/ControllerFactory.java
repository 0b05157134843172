package org.lmctfy.spi.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The lifecycle every cgroup-backed resource shares, so that a controller is only its table of kernel
 * files. cgroup v1: the resource's own directory per container ({@code mkdir}; a container can isolate a
 * resource only if its parent does, as in lmctfy, since v1 cgroups nest). cgroup2: the container's
 * directory is the core's membership cgroup; the controller is enabled top-down in the ancestors'
 * {@code cgroup.subtree_control} and the resource only writes its files.
 */
@ConsumerType
public abstract class ControllerFactory implements ResourceHandlerFactory {
  /**
   * The hierarchies holding this resource, main one first (e.g. cpu and, where mounted apart, cpuacct),
   * or empty when the machine lacks it.
   */
  public abstract List<Hierarchy> hierarchies(CgroupLayout layout);

  /**
   * The controller to enable in cgroup2's subtree_control (e.g. "io" for blockio), or null for a core
   * cgroup2 feature that needs none (the freezer's cgroup.freeze).
   */
  protected abstract String v2Controller();

  /** A handler over existing directories. */
  protected abstract ResourceHandler handler(ContainerContext container, Hierarchy main, List<Path> dirs)
      throws ContainerException;

  /** Called on each new v1 directory before the spec is applied (e.g. cpuset copies cpus and mems). */
  protected void prepareV1(Hierarchy h, Path dir) throws ContainerException {}

  protected final List<Hierarchy> require(CgroupTree tree) throws ContainerException {
    List<Hierarchy> hs = hierarchies(tree.layout());
    if (hs.isEmpty()) {
      throw ContainerException.failedPrecondition("Resource " + resource() + " is not available on this"
          + " machine: its controller is neither mounted (v1) nor enabled (cgroup2)");
    }
    return hs;
  }

  @Override
  public void initMachine(CgroupTree tree, InitSpec spec) throws ContainerException {
    List<Hierarchy> hs = hierarchies(tree.layout());
    for (Hierarchy h : hs) {
      Path root = tree.rootDir(h);
      if (h.unified()) {
        if (!root.equals(h.mountPoint()) && v2Controller() != null) {
          Subtree.enable(h, root.getParent(), v2Controller());
        }
      } else if (!root.equals(h.mountPoint())) {
        CgroupDirs.makeUsable(h, root);
        prepareV1(h, root);
      }
    }
  }

  @Override
  public ResourceHandler create(ContainerContext container, ContainerSpec spec) throws ContainerException {
    List<Hierarchy> hs = require(container.tree());
    List<Path> dirs = new ArrayList<>();
    List<Path> made = new ArrayList<>();
    try {
      for (Hierarchy h : hs) {
        Path dir = container.tree().dir(h, container.name());
        if (dirs.contains(dir)) {
          continue; // co-mounted (cpu,cpuacct) or both in cgroup2
        }
        if (h.unified()) {
          if (v2Controller() != null) {
            Subtree.enable(h, dir.getParent(), v2Controller());
          }
        } else {
          try {
            ControlFiles.mkdir(dir);
          } catch (ContainerException e) {
            if (e.code() == StatusCode.NOT_FOUND) {
              throw ContainerException.failedPrecondition("Cannot isolate " + resource() + " in "
                  + container.name() + ": its parent does not isolate it (" + dir.getParent() + " is missing);"
                  + " on cgroup v1 a container can isolate a resource only if its parent does");
            }
            throw e;
          }
          made.add(dir);
          CgroupDirs.makeUsable(h, dir); // e.g. a cpuset co-mounted with this controller
          prepareV1(h, dir);
        }
        dirs.add(dir);
      }
      ResourceHandler handler = handler(container, hs.get(0), dirs);
      // A new cgroup starts at the kernel's defaults: write only what the spec asks for (ARCHITECTURE.md § cgroup v1 and v2).
      handler.update(spec, UpdatePolicy.DIFF);
      return handler;
    } catch (ContainerException | RuntimeException e) {
      Collections.reverse(made);
      for (Path d : made) {
        try {
          ControlFiles.rmdir(d);
        } catch (ContainerException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
  }

  @Override
  public Optional<ResourceHandler> attach(ContainerContext container) throws ContainerException {
    List<Hierarchy> hs = hierarchies(container.tree().layout());
    if (hs.isEmpty()) {
      return Optional.empty();
    }
    List<Path> dirs = new ArrayList<>();
    for (Hierarchy h : hs) {
      Path dir = container.tree().dir(h, container.name());
      if (!dirs.contains(dir)) {
        if (!ControlFiles.isDirectory(dir)) {
          return Optional.empty();
        }
        dirs.add(dir);
      }
    }
    return Optional.of(handler(container, hs.get(0), dirs));
  }

  /** Removes a handler's v1 directories, deepest last made first; cgroup2 directories are the core's. */
  public static void removeV1(List<Hierarchy> hierarchies, List<Path> dirs) throws ContainerException {
    List<Path> reverse = new ArrayList<>(dirs);
    Collections.reverse(reverse);
    for (Path d : reverse) {
      boolean unified = false;
      for (Hierarchy h : hierarchies) {
        unified |= h.unified() && d.startsWith(h.mountPoint());
      }
      if (!unified) {
        ControlFiles.rmdir(d);
      }
    }
  }
}

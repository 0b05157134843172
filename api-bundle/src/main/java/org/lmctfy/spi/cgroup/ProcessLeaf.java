package org.lmctfy.spi.cgroup;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.lmctfy.api.ContainerException;

/**
 * A container's process leaf on cgroup2: the child cgroup {@value #NAME} of the container's cgroup, where
 * the container's own processes live, so that the container's cgroup itself holds none and may enable
 * controllers for its subcontainers at any time (cgroup2's "no internal processes" rule,
 * Documentation/admin-guide/cgroup-v2.rst; LXC's inner cgroup, systemd's services under slices). Limits stay
 * on the container's cgroup and cover the leaf as part of its subtree. Its name can never be a container's
 * (lmctfy names are made of {@code [A-Za-z0-9_.-]}). On cgroup v1 there is no leaf: a v1 cgroup may hold
 * processes and children alike.
 *
 * @since spi.cgroup 1.1
 */
public final class ProcessLeaf {
  /** The leaf's directory name. */
  public static final String NAME = "@procs";

  private ProcessLeaf() {}

  /** The leaf of the cgroup at {@code dir} (which may not exist). */
  public static Path of(Path dir) {
    return dir.resolve(NAME);
  }

  /** Whether {@code dir} is a process leaf. */
  public static boolean isLeaf(Path dir) {
    return dir.getFileName() != null && dir.getFileName().toString().equals(NAME);
  }

  /**
   * Where a process placed into the cgroup at {@code dir} goes: on cgroup2 ({@code unified}) the leaf, made
   * when missing (a container created before leaves existed gets one at its next placement); on v1 {@code
   * dir} itself.
   */
  public static Path placement(Path dir, boolean unified) throws ContainerException {
    if (!unified) {
      return dir;
    }
    Path leaf = of(dir);
    if (!ControlFiles.isDirectory(leaf)) {
      try {
        Files.createDirectory(leaf);
      } catch (FileAlreadyExistsException e) {
        // made meanwhile by another placement
      } catch (IOException e) {
        throw KernelErrors.map(e, "mkdir " + leaf + " (the container's process leaf)");
      }
    }
    return leaf;
  }

  /**
   * The processes of the container whose cgroup is {@code dir}: those in the cgroup itself and in its leaf
   * (which may not exist). Empty for a missing directory.
   */
  public static java.util.List<Long> processes(Path dir) throws ContainerException {
    java.util.List<Long> out = new java.util.ArrayList<>();
    for (Path d : java.util.List.of(dir, of(dir))) {
      if (ControlFiles.exists(d, "cgroup.procs")) {
        try {
          out.addAll(ControlFiles.readLongs(d, "cgroup.procs"));
        } catch (ContainerException e) {
          if (e.code() != org.lmctfy.api.StatusCode.NOT_FOUND) {
            throw e; // a directory removed meanwhile holds nothing
          }
        }
      }
    }
    return out;
  }

  /**
   * Moves every process that sits directly in the cgroup at {@code dir} into its leaf (a container made
   * before leaves existed, whose cgroup must now enable a controller for a subcontainer). Processes that exit
   * meanwhile are skipped.
   */
  public static void adoptOwnProcesses(Path dir) throws ContainerException {
    if (!ControlFiles.exists(dir, "cgroup.procs")) {
      return;
    }
    java.util.List<Long> pids = ControlFiles.readLongs(dir, "cgroup.procs");
    if (pids.isEmpty()) {
      return;
    }
    Path leaf = placement(dir, true);
    for (long pid : pids) {
      try {
        ControlFiles.write(leaf, "cgroup.procs", Long.toString(pid));
      } catch (ContainerException e) {
        if (ProcessHandle.of(pid).isPresent()) {
          throw e.withContext("Moving process " + pid + " of " + dir + " into its process leaf");
        }
      }
    }
  }
}

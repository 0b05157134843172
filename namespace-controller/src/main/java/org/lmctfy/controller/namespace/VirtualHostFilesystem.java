package org.lmctfy.controller.namespace;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.FilesystemSpec;
import org.lmctfy.api.proto.Mounts;

/**
 * A virtual host's filesystem ({@code ContainerSpec.filesystem}: {@code rootfs} and {@code mounts}), set up in
 * its mount namespace by the init's helper before the init runs (lmctfy-exec's {@code --rootfs} and
 * {@code --bind}, native/src/main/c/rootfs.c): the rootfs entered with pivot_root, with /proc, a minimal /dev
 * and a read-only /sys; bind mounts of host paths, whose targets are resolved inside the rootfs
 * (openat2 RESOLVE_IN_ROOT: a symlink or {@code ..} in the rootfs never leads out of it).
 */
final class VirtualHostFilesystem {
  private VirtualHostFilesystem() {}

  /** Refuses, naming the field, what cannot be set up; nothing is created yet. */
  static void validate(FilesystemSpec fs, boolean virtualHost) throws ContainerException {
    if (fs.hasFdLimit()) {
      throw ContainerException.unimplemented("filesystem.fd_limit is not implemented: it was a knob of Google's"
          + " patched kernel, which mainline Linux does not have (RLIMIT_NOFILE is per process)");
    }
    if ((fs.hasRootfs() || fs.hasMounts()) && !virtualHost) {
      throw ContainerException.invalidArgument("filesystem.rootfs and filesystem.mounts need virtual_host in the"
          + " same spec: they are set up in the virtual host's mount namespace");
    }
    boolean rootfs = fs.hasRootfs();
    if (rootfs) {
      Path root = absolute(fs.getRootfs(), "filesystem.rootfs");
      if (!Files.isDirectory(root)) {
        throw ContainerException.notFound("filesystem.rootfs: " + root + " is not a directory");
      }
      try {
        if (root.toRealPath().equals(Path.of("/"))) {
          throw ContainerException.invalidArgument("filesystem.rootfs: " + root + " is the host's root directory");
        }
      } catch (java.io.IOException e) {
        throw ContainerException.notFound("filesystem.rootfs: " + root + ": " + e.getMessage());
      }
    }
    List<Mounts.Mount> mounts = fs.getMounts().getMountList();
    for (int i = 0; i < mounts.size(); i++) {
      Mounts.Mount m = mounts.get(i);
      String field = "filesystem.mounts.mount[" + i + "]";
      if (!m.hasSource()) {
        throw ContainerException.invalidArgument(field + ".source is missing");
      }
      if (!m.hasTarget()) {
        throw ContainerException.invalidArgument(field + ".target is missing");
      }
      Path source = absolute(m.getSource(), field + ".source");
      if (!Files.exists(source)) {
        throw ContainerException.notFound(field + ".source: " + source + " does not exist");
      }
      Path target = absolute(m.getTarget(), field + ".target");
      if (!rootfs && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        // Without a rootfs the target is a host path: it is never created (nothing is written outside the
        // container), only mounted over inside the virtual host's mount namespace.
        throw ContainerException.notFound(field + ".target: " + target + " does not exist (without a rootfs,"
            + " targets are host paths and are not created)");
      }
    }
  }

  private static Path absolute(String value, String field) throws ContainerException {
    if (value.isEmpty()) {
      throw ContainerException.invalidArgument(field + " is empty");
    }
    if (value.indexOf('\0') >= 0) {
      throw ContainerException.invalidArgument(field + " contains a NUL character");
    }
    if (!value.startsWith("/")) {
      throw ContainerException.invalidArgument(field + ": " + value + " is not an absolute path");
    }
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      throw ContainerException.invalidArgument(field + ": " + e.getMessage());
    }
  }

  /** The init's setup options for {@code fs} (after validate). */
  static List<String> initArguments(FilesystemSpec fs) {
    List<String> out = new ArrayList<>();
    if (fs.hasRootfs()) {
      out.add("--rootfs");
      out.add(fs.getRootfs());
    }
    for (Mounts.Mount m : fs.getMounts().getMountList()) {
      out.add("--bind");
      out.add((m.getReadOnly() ? "ro" : "rw") + "," + (m.getPrivate() ? "private" : "slave"));
      out.add(m.getSource());
      out.add(m.getTarget());
    }
    return out;
  }
}

package org.lmctfy.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * lmctfy's {@code owner}/{@code owner_group} (reference §5.18): the delegate may then move its processes and
 * create subcontainers. Documentation/admin-guide/cgroup-v2.rst, "Delegation": chown the directory and its
 * cgroup.procs, cgroup.threads and cgroup.subtree_control; on v1 also tasks.
 */
final class Delegation {
  private static final List<String> FILES =
      List.of("cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "tasks");

  private Delegation() {}

  static void delegate(List<Path> dirs, int uid, int gid) throws ContainerException {
    for (Path dir : dirs) {
      chown(dir, uid, gid);
      for (String f : FILES) {
        Path p = dir.resolve(f);
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
          chown(p, uid, gid);
        }
      }
    }
  }

  private static void chown(Path p, int uid, int gid) throws ContainerException {
    try {
      if (uid >= 0) {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
      }
      if (gid >= 0) {
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
      }
    } catch (IOException e) {
      throw KernelErrors.map(e, "chown " + uid + ":" + gid + " " + p);
    }
  }
}

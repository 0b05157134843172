package org.lmctfy.core.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.lmctfy.spi.cgroup.LayoutKind;

/** Fake cgroupfs trees in a temp directory for each layout: v1 (+name=lmctfy), hybrid, pure v2. */
public final class FakeMachine {
  private FakeMachine() {}

  public static CgroupLayout layout(LayoutKind kind, Path tmp) throws IOException {
    List<Hierarchy> hs = new ArrayList<>();
    if (kind == LayoutKind.V1 || kind == LayoutKind.HYBRID) {
      for (String c : List.of("cpu", "memory", "cpuset", "freezer", "blkio")) {
        hs.add(new Hierarchy(Files.createDirectories(tmp.resolve(c)), "/", false, Set.of(c), null));
      }
    }
    if (kind == LayoutKind.V1) {
      hs.add(new Hierarchy(Files.createDirectories(tmp.resolve("lmctfy")), "/", false, Set.of(),
          CgroupLayout.TRACKING_NAME));
    } else if (kind == LayoutKind.HYBRID) {
      hs.add(new Hierarchy(Files.createDirectories(tmp.resolve("unified")), "/", true, Set.of(), null));
    } else {
      Path u = Files.createDirectories(tmp.resolve("unified"));
      Files.writeString(u.resolve("cgroup.subtree_control"), "cpu memory cpuset io\n");
      hs.add(new Hierarchy(u, "/", true, Set.of("cpu", "memory", "cpuset", "io"), null));
    }
    return new CgroupLayout(hs);
  }
}

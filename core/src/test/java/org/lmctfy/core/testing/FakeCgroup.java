package org.lmctfy.core.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.CgroupTree;
import org.lmctfy.spi.cgroup.Hierarchy;

/**
 * One fake cgroup for controller unit tests: a v1 hierarchy or a cgroup2 mount in a temp directory, the
 * container's directory pre-made with the kernel files a controller may touch (as the kernel would), and
 * a context for it.
 */
public final class FakeCgroup {
  public final CgroupLayout layout;
  public final Path dir;
  public final ContainerContext context;

  private FakeCgroup(CgroupLayout layout, Path dir, ContainerContext context) {
    this.layout = layout;
    this.dir = dir;
    this.context = context;
  }

  /** v1: one hierarchy per controller; v2: one cgroup2 mount enabling them all. */
  public static FakeCgroup of(Path tmp, boolean v2, List<String> controllers, String... files)
      throws IOException, ContainerException {
    List<Hierarchy> hs = new java.util.ArrayList<>();
    if (v2) {
      Path m = Files.createDirectories(tmp.resolve("unified"));
      Files.writeString(m.resolve("cgroup.subtree_control"), "");
      hs.add(new Hierarchy(m, "/", true, Set.copyOf(controllers), null));
    } else {
      for (String c : controllers) {
        hs.add(new Hierarchy(Files.createDirectories(tmp.resolve(c)), "/", false, Set.of(c), null));
      }
    }
    CgroupLayout layout = new CgroupLayout(hs);
    CgroupTree tree = new CgroupTree(layout, "/");
    ContainerName name = ContainerName.of("/c");
    Path dir = null;
    for (Hierarchy h : hs) {
      Path d = Files.createDirectories(tree.dir(h, name));
      dir = dir == null ? d : dir;
      for (String f : files) {
        if (!Files.exists(d.resolve(f))) {
          Files.writeString(d.resolve(f), "");
        }
      }
    }
    ContainerContext ctx = new ContainerContext() {
      @Override
      public ContainerName name() {
        return name;
      }

      @Override
      public CgroupTree tree() {
        return tree;
      }

      @Override
      public Optional<ContainerSpec> requestedSpec() {
        return Optional.empty();
      }
    };
    return new FakeCgroup(layout, dir, ctx);
  }

  public String read(String file) throws IOException {
    return Files.readString(dir.resolve(file));
  }

  public void set(String file, String value) throws IOException {
    Files.writeString(dir.resolve(file), value);
  }
}

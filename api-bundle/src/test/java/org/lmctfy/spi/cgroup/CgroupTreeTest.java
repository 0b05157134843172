package org.lmctfy.spi.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;

class CgroupTreeTest {
  private final Hierarchy memory = new Hierarchy(Path.of("/sys/fs/cgroup/memory"), "/", false, Set.of("memory"), null);
  private final Hierarchy unified = new Hierarchy(Path.of("/sys/fs/cgroup/unified"), "/", true, Set.of(), null);
  private final CgroupLayout layout = new CgroupLayout(List.of(memory, unified));

  @Test
  void mapsNamesUnderTheConfiguredRoot() throws ContainerException {
    CgroupTree t = new CgroupTree(layout, "/lmctfy-test-1");
    assertThat(t.rootDir(memory)).isEqualTo(Path.of("/sys/fs/cgroup/memory/lmctfy-test-1"));
    assertThat(t.dir(memory, ContainerName.of("/a/b"))).isEqualTo(Path.of("/sys/fs/cgroup/memory/lmctfy-test-1/a/b"));
    assertThat(t.dir(unified, ContainerName.ROOT)).isEqualTo(Path.of("/sys/fs/cgroup/unified/lmctfy-test-1"));
    CgroupTree top = new CgroupTree(layout, "/");
    assertThat(top.dir(memory, ContainerName.of("/a"))).isEqualTo(Path.of("/sys/fs/cgroup/memory/a"));
  }

  @Test
  void neverHandsOutAPathOutsideTheRoot() throws ContainerException {
    CgroupTree t = new CgroupTree(layout, "/r");
    assertThatThrownBy(() -> t.below(memory, "../x")).isInstanceOf(ContainerException.class)
        .hasMessageContaining("escapes");
    assertThatThrownBy(() -> t.below(memory, "a/../../../etc")).isInstanceOf(ContainerException.class);
    assertThat(t.below(memory, "a/./b")).isEqualTo(Path.of("/sys/fs/cgroup/memory/r/a/b"));
    assertThatThrownBy(() -> new CgroupTree(layout, "/bad root")).isInstanceOf(ContainerException.class);
  }

  @Test
  void mapsProcCgroupPathsBackToContainers() throws ContainerException {
    CgroupTree t = new CgroupTree(layout, "/lmctfy-test-1");
    assertThat(t.containerPathOf(unified, "/lmctfy-test-1/a/b")).contains("/a/b");
    assertThat(t.containerPathOf(unified, "/lmctfy-test-1")).contains("/");
    assertThat(t.containerPathOf(unified, "/lmctfy-test-10/a")).isEmpty();
    assertThat(t.containerPathOf(unified, "/user.slice")).isEmpty();
    assertThat(new CgroupTree(layout, "/").containerPathOf(unified, "/x")).contains("/x");
    Hierarchy nsRoot = new Hierarchy(Path.of("/sys/fs/cgroup"), "/outer", true, Set.of(), null);
    assertThat(new CgroupTree(new CgroupLayout(List.of(nsRoot)), "/").containerPathOf(nsRoot, "/outer/a"))
        .contains("/a");
  }

  @Test
  void requireNamesMissingControllers() {
    CgroupTree t;
    try {
      t = new CgroupTree(layout, "/");
    } catch (ContainerException e) {
      throw new AssertionError(e);
    }
    assertThat(t.layout().forController("memory")).isPresent();
    assertThatThrownBy(() -> t.require("cpuset")).isInstanceOf(ContainerException.class)
        .hasMessageContaining("cpuset");
  }
}

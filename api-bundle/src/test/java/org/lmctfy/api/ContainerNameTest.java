package org.lmctfy.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ContainerNameTest {
  private static final ContainerName TOP = name("/top");

  private static ContainerName name(String s) {
    try {
      return ContainerName.of(s);
    } catch (ContainerException e) {
      throw new AssertionError(e);
    }
  }

  /** name, current container, expected absolute name (lmctfy's examples, reference §3.3, and more). */
  static Stream<Arguments> good() {
    return Stream.of(
        Arguments.of("/", "/", "/"),
        Arguments.of("/", "/top", "/"),
        Arguments.of("test", "/top", "/top/test"),
        Arguments.of(".", "/top", "/top"),
        Arguments.of("./", "/top", "/top"),
        Arguments.of("..", "/top", "/"),
        Arguments.of("../test", "/top", "/test"),
        Arguments.of("//test/test2//test3///", "/top", "/test/test2/test3"),
        Arguments.of("./sub", "/top", "/top/sub"),
        Arguments.of("../sibling", "/top/a", "/top/sibling"),
        Arguments.of("/..", "/top", "/"),
        Arguments.of("/../../..", "/top", "/"),
        Arguments.of("../../../../x", "/top/a", "/x"),
        Arguments.of("/a/./b/../c", "/", "/a/c"),
        Arguments.of("/test..", "/", "/test.."),
        Arguments.of("/test..test", "/", "/test..test"),
        Arguments.of("/a-b_c.d", "/", "/a-b_c.d"),
        Arguments.of("/A1/b2/C3", "/", "/A1/b2/C3"),
        Arguments.of("0", "/", "/0"),
        Arguments.of("sys/sub", "/", "/sys/sub"),
        Arguments.of("/sys/", "/", "/sys"),
        Arguments.of("/a/b/c/d/e/f/g", "/", "/a/b/c/d/e/f/g"),
        Arguments.of("x/..", "/top", "/top"),
        Arguments.of("cpu", "/", "/cpu"),
        Arguments.of("memory", "/", "/memory"),
        Arguments.of("task", "/", "/task"),
        Arguments.of("tasks2", "/", "/tasks2"),
        Arguments.of("cgroup", "/", "/cgroup"),
        Arguments.of("/" + "a".repeat(255), "/", "/" + "a".repeat(255)));
  }

  @ParameterizedTest(name = "{0} in {1} -> {2}")
  @MethodSource("good")
  void resolvesGoodNames(String input, String current, String expected) throws ContainerException {
    ContainerName n = ContainerName.resolve(input, name(current));
    assertThat(n.toString()).isEqualTo(expected);
    // The result is stable: resolving it again gives itself.
    assertThat(ContainerName.of(n.toString())).isEqualTo(n);
  }

  /** hostile or malformed name, a fragment the error message must contain. */
  static Stream<Arguments> bad() {
    return Stream.of(
        Arguments.of("", "empty"),
        Arguments.of("/a b", "' '"),
        Arguments.of("a\nb", "U+000A"),
        Arguments.of("a\u0000b", "U+0000"),
        Arguments.of("/a\tb", "U+0009"),
        Arguments.of("/été", "U+00E9"),
        Arguments.of("/a:b", "':'"),
        Arguments.of("/a;rm -rf", "';'"),
        Arguments.of("/$(reboot)", "'$'"),
        Arguments.of("/a*", "'*'"),
        Arguments.of("/a\\b", "'\\'"),
        Arguments.of("/_x", "\"_x\""),
        Arguments.of("/.x", "\".x\""),
        Arguments.of("/-x", "\"-x\""),
        Arguments.of("/a/...", "\"...\""),
        Arguments.of("/a/.hidden/b", "\".hidden\""),
        Arguments.of("tasks", "reserved"),
        Arguments.of("/a/tasks", "reserved"),
        Arguments.of("/notify_on_release", "reserved"),
        Arguments.of("/release_agent", "reserved"),
        Arguments.of("/cgroup.procs", "\"cgroup.\""),
        Arguments.of("/cgroup.kill", "\"cgroup.\""),
        Arguments.of("/memory.limit_in_bytes", "\"memory.\""),
        Arguments.of("/a/memory.max", "\"memory.\""),
        Arguments.of("/cpu.shares", "\"cpu.\""),
        Arguments.of("/cpuset.cpus", "\"cpuset.\""),
        Arguments.of("/io.max", "\"io.\""),
        Arguments.of("/pids.max", "\"pids.\""),
        Arguments.of("/freezer.state", "\"freezer.\""),
        Arguments.of("/blkio.weight", "\"blkio.\""),
        Arguments.of("/debug.cgroup_css_links", "\"debug.\""),
        Arguments.of("/" + "a".repeat(256), "limit is 255"),
        Arguments.of(("/" + "a".repeat(200)).repeat(6), "limit is 1024"),
        Arguments.of("x".repeat(5000), "limit is 1024"));
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @MethodSource("bad")
  void rejectsBadNames(String input, String fragment) {
    assertThatThrownBy(() -> ContainerName.resolve(input, TOP))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT))
        .hasMessageContaining(fragment);
  }

  @Test
  void nullIsInvalid() {
    assertThatThrownBy(() -> ContainerName.resolve(null, TOP)).isInstanceOf(ContainerException.class)
        .hasMessageContaining("empty");
  }

  @Test
  void relativeNamesWithoutCurrentContainerAreInvalid() throws ContainerException {
    assertThatThrownBy(() -> ContainerName.resolve("a", null))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT))
        .hasMessageContaining("relative");
    // An absolute name needs no current container.
    assertThat(ContainerName.resolve("/a/../b", null).toString()).isEqualTo("/b");
  }

  @Test
  void nullComponentIsInvalid() {
    assertThat(ContainerName.isValidComponent(null)).isFalse();
    assertThatThrownBy(() -> ContainerName.ROOT.child(null))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT));
  }

  /** child() adds exactly one component: "." and ".." are navigation, not components. */
  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @ValueSource(strings = {"..", ".", "", "/", "a/b", "./a", "a/..", ".hidden", "tasks", "debug.x"})
  void childRefusesWhatIsNotOneValidComponent(String component) {
    assertThat(ContainerName.isValidComponent(component)).isFalse();
    assertThatThrownBy(() -> TOP.child(component))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT))
        .hasMessageContaining("\"" + component + "\"");
  }

  @Test
  void ofRequiresAbsoluteNames() {
    assertThatThrownBy(() -> ContainerName.of("rel"))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT))
        .hasMessageContaining("not absolute");
  }

  @Test
  void treeNavigation() throws ContainerException {
    ContainerName n = ContainerName.of("/a/b/c");
    assertThat(n.parent()).isEqualTo(ContainerName.of("/a/b"));
    assertThat(n.baseName()).isEqualTo("c");
    assertThat(n.depth()).isEqualTo(3);
    assertThat(n.relativePath()).isEqualTo("a/b/c");
    assertThat(ContainerName.ROOT.parent()).isEqualTo(ContainerName.ROOT);
    assertThat(ContainerName.ROOT.isAncestorOrSelf(n)).isTrue();
    assertThat(ContainerName.of("/a").isAncestorOrSelf(n)).isTrue();
    assertThat(ContainerName.of("/a/b/c/d").isAncestorOrSelf(n)).isFalse();
    assertThat(ContainerName.of("/a/bb").isAncestorOrSelf(ContainerName.of("/a/b"))).isFalse();
    assertThat(n.child("d").toString()).isEqualTo("/a/b/c/d");
    assertThatThrownBy(() -> n.child("x/y")).isInstanceOf(ContainerException.class);
    assertThatThrownBy(() -> n.child("tasks")).isInstanceOf(ContainerException.class);
  }

  @Test
  void sortingPutsParentsBeforeDescendants() throws ContainerException {
    java.util.List<ContainerName> l = new java.util.ArrayList<>(java.util.List.of(
        ContainerName.of("/a/b"), ContainerName.of("/a-x"), ContainerName.of("/a"), ContainerName.of("/a/b/c")));
    java.util.Collections.sort(l);
    assertThat(l.indexOf(ContainerName.of("/a"))).isLessThan(l.indexOf(ContainerName.of("/a/b")));
    assertThat(l.indexOf(ContainerName.of("/a/b"))).isLessThan(l.indexOf(ContainerName.of("/a/b/c")));
  }
}

package org.lmctfy.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz tests of container names: whatever the input, a name comes out clean and valid, or the input is
 * refused with INVALID_ARGUMENT; never another exception. The committed inputs
 * ({@code ContainerNameFuzzTestInputs/<method>/}) run as regression tests in every build; README, "Fuzzing",
 * says how to fuzz.
 */
class ContainerNameFuzzTest {
  private static final ContainerName CURRENT = name("/top/a");

  private static ContainerName name(String s) {
    try {
      return ContainerName.of(s);
    } catch (ContainerException e) {
      throw new AssertionError(e);
    }
  }

  /** One input string through every entry point, against the root and a current container. */
  @FuzzTest
  @Timeout(5)
  void anyStringIsACleanNameOrInvalid(byte[] input) throws ContainerException {
    String s = new String(input, StandardCharsets.UTF_8);
    ContainerName absolute = outcome(() -> ContainerName.of(s));
    ContainerName fromRoot = outcome(() -> ContainerName.resolve(s, ContainerName.ROOT));
    ContainerName fromCurrent = outcome(() -> ContainerName.resolve(s, CURRENT));
    ContainerName withoutCurrent = outcome(() -> ContainerName.resolve(s, null));
    ContainerName rootChild = outcome(() -> ContainerName.ROOT.child(s));
    ContainerName child = outcome(() -> CURRENT.child(s));
    boolean component = ContainerName.isValidComponent(s);

    for (ContainerName n : new ContainerName[] {absolute, fromRoot, fromCurrent, withoutCurrent, rootChild, child}) {
      if (n != null) {
        checkInvariants(n);
      }
    }
    boolean isAbsolute = s.startsWith("/");
    assertThat(absolute).isEqualTo(isAbsolute ? fromRoot : null);
    assertThat(withoutCurrent).isEqualTo(isAbsolute ? fromRoot : null);
    if (isAbsolute) {
      assertThat(fromCurrent).isEqualTo(fromRoot);
    }
    assertThat(fromRoot).isEqualTo(expected(ContainerName.ROOT, s));
    assertThat(fromCurrent).isEqualTo(expected(CURRENT, s));

    // A child is exactly one valid component more, or refused.
    assertThat(rootChild != null).isEqualTo(component);
    assertThat(child != null).isEqualTo(component && CURRENT.toString().length() + 1 + s.length()
        <= ContainerName.MAX_LENGTH);
    for (ContainerName c : new ContainerName[] {rootChild, child}) {
      if (c != null) {
        assertThat(c.baseName()).isEqualTo(s);
        assertThat(c.parent()).isEqualTo(c == child ? CURRENT : ContainerName.ROOT);
      }
    }
  }

  /**
   * A name relative to any container: the input is the current container, a newline (never part of a name),
   * then the name to resolve.
   */
  @FuzzTest
  @Timeout(5)
  void relativeToAnyContainer(byte[] input) throws ContainerException {
    String s = new String(input, StandardCharsets.UTF_8);
    int newline = s.indexOf('\n');
    if (newline < 0) {
      return;
    }
    ContainerName current = outcome(() -> ContainerName.of(s.substring(0, newline)));
    if (current == null) {
      return;
    }
    checkInvariants(current);
    String relative = s.substring(newline + 1);
    ContainerName n = outcome(() -> ContainerName.resolve(relative, current));
    if (n != null) {
      checkInvariants(n);
    }
    assertThat(n).isEqualTo(expected(current, relative));
  }

  /**
   * What {@code name} must resolve to against {@code current}: the path cleaned as the file system would,
   * accepted only when every component is valid and the name short enough; null for a refused name.
   */
  private static ContainerName expected(ContainerName current, String name) throws ContainerException {
    if (name.isEmpty() || name.length() > 4 * ContainerName.MAX_LENGTH
        || !name.chars().allMatch(c -> c == '/' || c == '.' || c == '_' || c == '-'
            || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return null;
    }
    String cleaned = Path.of(current.toString()).resolve(name).normalize().toString();
    if (cleaned.length() > ContainerName.MAX_LENGTH) {
      return null;
    }
    for (String c : cleaned.substring(1).split("/")) {
      if (!c.isEmpty() && !ContainerName.isValidComponent(c)) {
        return null;
      }
    }
    ContainerName n = ContainerName.of(cleaned);
    assertThat(n.toString()).isEqualTo(cleaned);
    return n;
  }

  /** What holds for every name: clean, valid, bounded, and a round trip through its string. */
  private static void checkInvariants(ContainerName n) throws ContainerException {
    String s = n.toString();
    assertThat(s).startsWith("/").hasSizeLessThanOrEqualTo(ContainerName.MAX_LENGTH);
    assertThat(ContainerName.of(s)).isEqualTo(n).hasSameHashCodeAs(n);
    assertThat(ContainerName.of(s).compareTo(n)).isZero();
    assertThat(n.relativePath()).isEqualTo(s.substring(1));
    assertThat(n.depth()).isEqualTo(n.components().size());
    assertThat(n.isRoot()).isEqualTo(n.depth() == 0);
    for (String c : n.components()) {
      assertThat(ContainerName.isValidComponent(c)).as("component \"%s\" of %s", c, n).isTrue();
      assertThat(c.length()).isLessThanOrEqualTo(ContainerName.MAX_COMPONENT_LENGTH);
    }
    if (!n.isRoot()) {
      assertThat(ContainerName.resolve(n.relativePath(), ContainerName.ROOT)).isEqualTo(n);
      assertThat(n.parent().child(n.baseName())).isEqualTo(n);
    }
    // Up the tree: every parent is an ancestor, and the walk ends at the root, which is its own parent.
    ContainerName up = n;
    for (int i = 0; i < n.depth(); i++) {
      ContainerName parent = up.parent();
      assertThat(parent.depth()).isEqualTo(up.depth() - 1);
      assertThat(parent.isAncestorOrSelf(n)).isTrue();
      assertThat(n.isAncestorOrSelf(parent)).isFalse();
      up = parent;
    }
    assertThat(up).isEqualTo(ContainerName.ROOT);
    assertThat(up.parent()).isEqualTo(ContainerName.ROOT);
  }

  private interface NameCall {
    ContainerName get() throws ContainerException;
  }

  /** The name, or null when refused with INVALID_ARGUMENT; anything else fails the test. */
  private static ContainerName outcome(NameCall call) {
    try {
      return call.get();
    } catch (ContainerException e) {
      assertThat(e.code()).as("status of %s", e).isEqualTo(StatusCode.INVALID_ARGUMENT);
      assertThat(e.getMessage()).isNotBlank();
      return null;
    }
  }
}

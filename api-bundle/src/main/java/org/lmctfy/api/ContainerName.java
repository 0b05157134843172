package org.lmctfy.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * An absolute, cleaned container name following lmctfy's rules (reference §3.3): allowed characters
 * {@code [A-Za-z0-9_.-/]}; relative names resolve against a current container; {@code //} collapses,
 * {@code .} disappears, {@code ..} goes up and never above {@code /}; every component then starts with a
 * letter or digit. Beyond lmctfy, components that would collide with a kernel control file (for example
 * {@code tasks} or {@code memory.limit}) are rejected, as are components longer than
 * {@value #MAX_COMPONENT_LENGTH} characters (NAME_MAX) and names longer than {@value #MAX_LENGTH}.
 */
public final class ContainerName implements Comparable<ContainerName> {
  /** NAME_MAX: a component becomes one directory name in every hierarchy. */
  public static final int MAX_COMPONENT_LENGTH = 255;
  /** Longest absolute name, so that a cgroup path stays well below PATH_MAX (4096). */
  public static final int MAX_LENGTH = 1024;

  /** Names of cgroup v1 files that carry no controller prefix. */
  private static final Set<String> RESERVED_NAMES = Set.of("tasks", "notify_on_release", "release_agent");
  /** Prefixes of kernel control files (cgroup core and every controller, v1 and v2). */
  private static final List<String> RESERVED_PREFIXES = List.of(
      "cgroup.", "cpu.", "cpuacct.", "cpuset.", "memory.", "memsw.", "blkio.", "io.", "freezer.", "devices.",
      "pids.", "hugetlb.", "net_cls.", "net_prio.", "perf_event.", "rdma.", "misc.", "irq.", "dmem.", "job.",
      "rlimit.", "debug.");

  public static final ContainerName ROOT = new ContainerName(List.of());

  private final List<String> components;
  private final String absolute;

  private ContainerName(List<String> components) {
    this.components = Collections.unmodifiableList(components);
    this.absolute = components.isEmpty() ? "/" : "/" + String.join("/", components);
  }

  /** Parses an absolute name. */
  public static ContainerName of(String absoluteName) throws ContainerException {
    if (absoluteName == null || !absoluteName.startsWith("/")) {
      throw ContainerException.invalidArgument(
          "Container name \"" + printable(absoluteName) + "\" is not absolute (must start with '/')");
    }
    return resolve(absoluteName, ROOT);
  }

  /**
   * Resolves {@code name} (absolute or relative) against {@code current}, cleans it and validates it.
   *
   * @param current the container relative names resolve against; may be null for an absolute name
   * @throws ContainerException INVALID_ARGUMENT naming the offending character or component
   */
  public static ContainerName resolve(String name, ContainerName current) throws ContainerException {
    if (name == null || name.isEmpty()) {
      throw ContainerException.invalidArgument("Container name is empty");
    }
    if (current == null && !name.startsWith("/")) {
      throw ContainerException.invalidArgument("Container name \"" + printable(name)
          + "\" is relative and there is no current container to resolve it against");
    }
    if (name.length() > 4 * MAX_LENGTH) {
      throw ContainerException.invalidArgument(
          "Container name is " + name.length() + " characters long; the limit is " + MAX_LENGTH);
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!isAllowed(c)) {
        throw ContainerException.invalidArgument("Invalid character " + describe(c) + " at position " + i
            + " in container name \"" + printable(name) + "\"; allowed are [A-Za-z0-9_.-/]");
      }
    }
    List<String> out = new ArrayList<>(name.startsWith("/") ? List.of() : current.components);
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
        continue;
      }
      out.add(part);
    }
    for (String component : out) {
      checkComponent(component, name);
    }
    ContainerName result = new ContainerName(out);
    if (result.absolute.length() > MAX_LENGTH) {
      throw ContainerException.invalidArgument("Container name \"" + name + "\" resolves to "
          + result.absolute.length() + " characters; the limit is " + MAX_LENGTH);
    }
    return result;
  }

  /** Whether {@code component} is a valid single component (no '/', '.' or '..'), without an exception. */
  public static boolean isValidComponent(String component) {
    if (component == null || component.isEmpty() || component.length() > MAX_COMPONENT_LENGTH) {
      return false;
    }
    for (int i = 0; i < component.length(); i++) {
      char c = component.charAt(i);
      if (c == '/' || !isAllowed(c)) {
        return false;
      }
    }
    char first = component.charAt(0);
    if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || (first >= '0' && first <= '9'))) {
      return false;
    }
    if (RESERVED_NAMES.contains(component)) {
      return false;
    }
    for (String prefix : RESERVED_PREFIXES) {
      if (component.startsWith(prefix)) {
        return false;
      }
    }
    return true;
  }

  private static void checkComponent(String component, String name) throws ContainerException {
    char first = component.charAt(0);
    if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || (first >= '0' && first <= '9'))) {
      throw ContainerException.invalidArgument("Component \"" + component + "\" of container name \"" + name
          + "\" must start with a letter or a digit");
    }
    if (component.length() > MAX_COMPONENT_LENGTH) {
      throw ContainerException.invalidArgument("Component \"" + component.substring(0, 16) + "...\" of container"
          + " name is " + component.length() + " characters long; the limit is " + MAX_COMPONENT_LENGTH);
    }
    if (RESERVED_NAMES.contains(component)) {
      throw ContainerException.invalidArgument("Component \"" + component + "\" of container name \"" + name
          + "\" is reserved: it is the name of a kernel cgroup control file");
    }
    for (String prefix : RESERVED_PREFIXES) {
      if (component.startsWith(prefix)) {
        throw ContainerException.invalidArgument("Component \"" + component + "\" of container name \"" + name
            + "\" is reserved: names starting with \"" + prefix + "\" are kernel cgroup control files");
      }
    }
  }

  private static boolean isAllowed(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '_' || c == '-' || c == '.' || c == '/';
  }

  private static String describe(char c) {
    if (c >= 0x20 && c < 0x7f) {
      return "'" + c + "'";
    }
    return String.format("U+%04X", (int) c);
  }

  private static String printable(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 200; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return s.length() > 200 ? b + "..." : b.toString();
  }

  public boolean isRoot() {
    return components.isEmpty();
  }

  /** The parent; the root's parent is the root. */
  public ContainerName parent() {
    return isRoot() ? this : new ContainerName(new ArrayList<>(components.subList(0, components.size() - 1)));
  }

  /**
   * The child with one more component.
   *
   * @throws ContainerException INVALID_ARGUMENT when {@code component} is not one valid component ("", ".",
   *     "..", a '/', a reserved name) or the child's name would be too long
   */
  public ContainerName child(String component) throws ContainerException {
    if (component == null || component.isEmpty() || component.equals(".") || component.equals("..")
        || component.contains("/")) {
      // resolve() would clean these away and answer this container or its parent, not a child.
      throw ContainerException.invalidArgument("Component \"" + printable(component) + "\" of a child of "
          + absolute + " is not a container name component (one name without '/', not \".\" or \"..\")");
    }
    return resolve(component, this);
  }

  /** The last component, or "" for the root. */
  public String baseName() {
    return isRoot() ? "" : components.get(components.size() - 1);
  }

  public List<String> components() {
    return components;
  }

  public int depth() {
    return components.size();
  }

  /** True when this name is {@code other} or one of its ancestors. */
  public boolean isAncestorOrSelf(ContainerName other) {
    return other.components.size() >= components.size()
        && other.components.subList(0, components.size()).equals(components);
  }

  /** The path of this container relative to the root, e.g. {@code a/b}; "" for the root. */
  public String relativePath() {
    return String.join("/", components);
  }

  @Override
  public int compareTo(ContainerName o) {
    return absolute.compareTo(o.absolute);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ContainerName && ((ContainerName) o).absolute.equals(absolute);
  }

  @Override
  public int hashCode() {
    return absolute.hashCode();
  }

  @Override
  public String toString() {
    return absolute;
  }
}

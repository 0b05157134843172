package org.lmctfy.spi.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.CgroupHierarchy;

/**
 * The cgroup hierarchies mounted on this machine, detected from mountinfo (never assumed): v1 controllers
 * mounted apart or together ({@code cpu,cpuacct}), named v1 hierarchies, a cgroup2 mount beside them
 * (hybrid) or alone (pure v2, controllers from {@code cgroup.controllers}).
 */
public final class CgroupLayout {
  /** The v1 named hierarchy lmctfy uses for membership when no cgroup2 is mounted. */
  public static final String TRACKING_NAME = "lmctfy";

  private final List<Hierarchy> hierarchies;

  public CgroupLayout(List<Hierarchy> hierarchies) {
    this.hierarchies = List.copyOf(hierarchies);
  }

  /** Detects the layout of the calling process's mount namespace. */
  public static CgroupLayout detect() throws ContainerException {
    return detect(Path.of("/proc/self/mountinfo"));
  }

  public static CgroupLayout detect(Path mountinfo) throws ContainerException {
    try {
      return parse(Files.readString(mountinfo));
    } catch (IOException e) {
      throw KernelErrors.map(e, "read " + mountinfo);
    }
  }

  /**
   * Parses mountinfo text (proc(5)): {@code id parent major:minor root mountpoint options [optional...] -
   * fstype source superoptions}. Controllers of v1 mounts come from the super options; of cgroup2 from its
   * {@code cgroup.controllers} file.
   */
  public static CgroupLayout parse(String mountinfo) throws ContainerException {
    List<Hierarchy> found = new ArrayList<>();
    Set<Path> seen = new HashSet<>();
    for (String line : mountinfo.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.trim().split(" ");
      int dash = indexOf(f, "-");
      if (dash < 6 || f.length < dash + 3) {
        throw new ContainerException(StatusCode.FAILED_PRECONDITION, "Malformed mountinfo line: " + line);
      }
      String fsType = f[dash + 1];
      if (!fsType.equals("cgroup") && !fsType.equals("cgroup2")) {
        continue;
      }
      Path mountPoint = Path.of(unescape(f[4]));
      String root = unescape(f[3]);
      if (!seen.add(mountPoint)) {
        continue; // mounted twice on the same point: the later mount hides the earlier; keep one
      }
      String superOptions = f.length > dash + 3 ? f[dash + 3] : "";
      if (fsType.equals("cgroup2")) {
        found.add(new Hierarchy(mountPoint, root, true, readControllers(mountPoint), null));
      } else {
        Set<String> controllers = new HashSet<>();
        String name = null;
        for (String opt : superOptions.split(",")) {
          if (opt.startsWith("name=")) {
            name = opt.substring("name=".length());
          } else if (!isMountFlag(opt)) {
            controllers.add(opt);
          }
        }
        found.add(new Hierarchy(mountPoint, root, false, controllers, name));
      }
    }
    return new CgroupLayout(found);
  }

  private static int indexOf(String[] a, String s) {
    for (int i = 0; i < a.length; i++) {
      if (a[i].equals(s)) {
        return i;
      }
    }
    return -1;
  }

  /** mountinfo escapes space, tab, newline and backslash as octal. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        try {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
          i += 3;
          continue;
        } catch (NumberFormatException e) {
          // not an escape: keep the backslash
        }
      }
      b.append(c);
    }
    return b.toString();
  }

  private static boolean isMountFlag(String opt) {
    return opt.equals("rw") || opt.equals("ro") || opt.startsWith("release_agent=") || opt.equals("noprefix")
        || opt.equals("clone_children") || opt.equals("xattr") || opt.equals("cpuset_v2_mode")
        || opt.equals("all") || opt.equals("none") || opt.isEmpty() || opt.equals("favordynmods")
        || opt.equals("nsdelegate") || opt.equals("memory_recursiveprot") || opt.equals("memory_localevents");
  }

  private static Set<String> readControllers(Path mountPoint) {
    try {
      String text = Files.readString(mountPoint.resolve("cgroup.controllers")).trim();
      return text.isEmpty() ? Set.of() : Set.of(text.split("\\s+"));
    } catch (IOException e) {
      return Set.of();
    }
  }

  public List<Hierarchy> hierarchies() {
    return hierarchies;
  }

  public Optional<Hierarchy> unified() {
    return hierarchies.stream().filter(Hierarchy::unified).findFirst();
  }

  /** The v1 hierarchy named {@code name=<name>}. */
  public Optional<Hierarchy> named(String name) {
    return hierarchies.stream().filter(h -> name.equals(h.name())).findFirst();
  }

  /** The v1 hierarchy that {@code controller} is mounted in, if any. */
  public Optional<Hierarchy> v1(String controller) {
    return hierarchies.stream().filter(h -> !h.unified() && h.hasController(controller)).findFirst();
  }

  /**
   * The hierarchy where {@code controller} is active: its v1 hierarchy if mounted (a controller bound to
   * v1 is unavailable to v2), else the unified hierarchy when it lists the controller.
   */
  public Optional<Hierarchy> forController(String controller) {
    Optional<Hierarchy> v1 = v1(controller);
    if (v1.isPresent()) {
      return v1;
    }
    return unified().filter(h -> h.hasController(controller));
  }

  /**
   * The hierarchy that tracks container membership (ARCHITECTURE.md § State): the cgroup2 mount where there is one, else
   * the v1 named hierarchy {@value #TRACKING_NAME}.
   */
  public Optional<Hierarchy> tracking() {
    Optional<Hierarchy> u = unified();
    return u.isPresent() ? u : named(TRACKING_NAME);
  }

  /**
   * The kernel's name of the v1 controller lmctfy's {@code CgroupHierarchy} stands for (the {@code -o} option of
   * {@code mount -t cgroup}), or empty for one a stock kernel does not have (job, rlimit).
   *
   * @since 1.1
   */
  public static Optional<String> v1Controller(CgroupHierarchy h) {
    switch (h) {
      case CGROUP_CPU: return Optional.of("cpu");
      case CGROUP_CPUACCT: return Optional.of("cpuacct");
      case CGROUP_CPUSET: return Optional.of("cpuset");
      case CGROUP_FREEZER: return Optional.of("freezer");
      case CGROUP_MEMORY: return Optional.of("memory");
      case CGROUP_NET: return Optional.of("net_cls");
      case CGROUP_PERF_EVENT: return Optional.of("perf_event");
      case CGROUP_DEVICE: return Optional.of("devices");
      case CGROUP_BLOCKIO: return Optional.of("blkio");
      default: return Optional.empty();
    }
  }

  public LayoutKind kind() {
    boolean v1 = hierarchies.stream().anyMatch(h -> !h.unified() && !h.controllers().isEmpty());
    boolean v2 = unified().isPresent();
    if (v1 && v2) {
      return LayoutKind.HYBRID;
    }
    if (v2) {
      return LayoutKind.V2;
    }
    return v1 || !hierarchies.isEmpty() ? LayoutKind.V1 : LayoutKind.NONE;
  }

  @Override
  public String toString() {
    return kind() + " " + hierarchies;
  }
}

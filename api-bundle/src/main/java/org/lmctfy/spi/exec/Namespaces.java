package org.lmctfy.spi.exec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The namespaces a command started by {@link HelperProcess} joins or creates before its first instruction
 * ({@code lmctfy-exec --ns/--unshare/--hostname/--mount-proc}).
 *
 * <p>{@code join}: a namespace file per type (for example {@code /proc/<init>/ns/pid}), joined with setns(2)
 * in {@link NamespaceType}'s order whatever the map's. Joining pid makes the helper fork: the command is born
 * in that namespace and the helper stays as its parent, relaying signals and its exit status (like
 * nsenter). Joining mnt moves the working directory to the namespace's root unless one is given.
 *
 * <p>{@code unshare}: new namespaces ({@link NamespaceType#canUnshare()} types). A new pid namespace makes
 * the helper fork: the command is its PID 1 (a virtual host's init, {@code lmctfy-nsinit}) and the helper
 * exits at once. A new mount namespace is a recursive slave of the caller's (mounts made inside never show
 * outside; the host's unmounts reach inside). {@code hostname} needs a new uts namespace (1 to 64 bytes);
 * {@code mountProc} (a fresh proc on /proc for the new pid namespace) needs new mnt and pid namespaces.
 * A type may not be both joined and new. The helper checks these rules and answers INVALID_ARGUMENT.
 *
 * @param join namespace files to join, by type; never null (empty: none)
 * @param unshare namespaces to create; never null (empty: none)
 * @param hostname the new UTS namespace's host name, or null
 * @param mountProc mount a proc for the new pid namespace on /proc
 */
public record Namespaces(Map<NamespaceType, Path> join, Set<NamespaceType> unshare, String hostname,
    boolean mountProc) {
  /** The caller's namespaces: the helper neither joins nor creates any (and does not fork). */
  public static final Namespaces NONE = new Namespaces(Map.of(), Set.of(), null, false);

  public Namespaces {
    join = Collections.unmodifiableMap(join == null || join.isEmpty() ? new EnumMap<>(NamespaceType.class)
        : new EnumMap<>(join));
    unshare = Collections.unmodifiableSet(unshare == null || unshare.isEmpty()
        ? EnumSet.noneOf(NamespaceType.class) : EnumSet.copyOf(unshare));
  }

  /** Joins the given namespaces of a process (its {@code /proc/<pid>/ns/<type>} files). */
  public static Namespaces joining(long pid, Set<NamespaceType> types) {
    Map<NamespaceType, Path> join = new EnumMap<>(NamespaceType.class);
    for (NamespaceType t : types) {
      join.put(t, t.of(pid));
    }
    return new Namespaces(join, Set.of(), null, false);
  }

  /** New namespaces, with a host name (null: none) and a fresh /proc. */
  public static Namespaces creating(Set<NamespaceType> unshare, String hostname, boolean mountProc) {
    return new Namespaces(Map.of(), unshare, hostname, mountProc);
  }

  /** Whether the helper forks, so that the command's pid is not the helper's: a pid namespace is involved. */
  public boolean forks() {
    return join.containsKey(NamespaceType.PID) || unshare.contains(NamespaceType.PID);
  }

  /** lmctfy-exec's arguments for these namespaces (also for exec'ing the helper in a caller's place). */
  public List<String> helperArguments() {
    List<String> argv = new ArrayList<>();
    join.forEach((type, path) -> {
      argv.add("--ns");
      argv.add(type.kernelName() + "=" + path);
    });
    if (!unshare.isEmpty()) {
      argv.add("--unshare");
      argv.add(String.join(",", unshare.stream().map(NamespaceType::kernelName).toList()));
    }
    if (hostname != null) {
      argv.add("--hostname");
      argv.add(hostname);
    }
    if (mountProc) {
      argv.add("--mount-proc");
    }
    return argv;
  }
}

package org.lmctfy.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.proto.ContainerRecord;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.CpuSpec;
import org.lmctfy.api.proto.MemorySpec;
import org.lmctfy.api.proto.ResourceRecord;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.Hierarchy;

/**
 * What must hold whenever the soak is quiet (daemon up, every controller active, no operation in flight),
 * read from the kernel's files and the state directory directly, not through lmctfy:
 * <ul>
 *   <li>every listed container's kernel values equal its spec() and the spec its record says was last
 *       committed (cpu shares/weight and cap, memory limit), and every cgroup its record names exists;
 *   <li>every cgroup directory under the test root, in every hierarchy, is a listed container's (in the
 *       tracking hierarchy, or named by its record): no stray cgroup;
 *   <li>every file under the records directory is a listed container's record: no stray record;
 *   <li>every listed container can be paused (kernel: FROZEN) and resumed (kernel: THAWED).
 * </ul>
 * And once everything is destroyed: no cgroup, no record, no intent left.
 */
final class SoakInvariants {
  /** A broken invariant and the container it concerns (whose history explains it). */
  record Violation(String container, String what) {
    @Override
    public String toString() {
      return container + ": " + what;
    }
  }

  /** v1's "unlimited" memory limit is the largest page-aligned value; anything this large means it. */
  private static final long V1_UNLIMITED = 1L << 62;

  private final CgroupLayout layout;
  private final String root;
  private final Path records;
  private final Path intents;

  SoakInvariants(CgroupLayout layout, String root, Path stateDir) {
    this.layout = layout;
    this.root = root;
    String key = root.substring(1).replace('/', ':');
    this.records = stateDir.resolve("records").resolve(key);
    this.intents = stateDir.resolve("intents").resolve(key);
  }

  /** A quiet point's checks; returns the violations (empty when all hold) and counts what it checked. */
  List<Violation> check(ContainerApi api, SoakFigures figures) throws ContainerException, IOException {
    List<Violation> bad = new ArrayList<>();
    List<String> listed = new ArrayList<>();
    for (Container c : api.get("/").listSubcontainers(ListPolicy.RECURSIVE)) {
      listed.add(c.name());
    }
    Set<Path> recordedDirs = new TreeSet<>();
    for (String name : listed) {
      Optional<ContainerRecord> record = record(name);
      if (record.isEmpty()) {
        bad.add(new Violation(name, "listed but has no record file under " + records));
        continue;
      }
      ContainerSpec spec = api.get(name).spec();
      if (spec.getUnavailableResourcesCount() > 0) {
        bad.add(new Violation(name, "spec() lists unavailable resources " + spec.getUnavailableResourcesList()
            + " while every controller is back"));
      }
      for (ResourceRecord rr : record.get().getResourceList()) {
        for (String d : rr.getCgroupDirList()) {
          recordedDirs.add(Path.of(d));
          if (!Files.isDirectory(Path.of(d))) {
            bad.add(new Violation(name, "its record names the " + rr.getResource() + " cgroup " + d
                + ", which does not exist"));
          }
        }
        if (rr.getResource().equals("cpu")) {
          checkCpu(name, spec, record.get().getSpec().getCpu(), bad);
        } else if (rr.getResource().equals("memory")) {
          checkMemory(name, spec, record.get().getSpec().getMemory(), bad);
        }
      }
      figures.containersChecked.incrementAndGet();
    }
    Set<String> names = new TreeSet<>(listed);
    Path tracking = layout.tracking().orElseThrow().mountPoint();
    for (Path dir : cgroupsBelowRoot()) {
      // A container's process leaf (cgroup2) is part of the container: checked as its container's cgroup.
      Path asContainer = org.lmctfy.spi.cgroup.ProcessLeaf.isLeaf(dir) ? dir.getParent() : dir;
      String name = containerOf(asContainer);
      dir = asContainer;
      boolean ours = names.contains(name) && (dir.startsWith(tracking) || recordedDirs.contains(dir));
      if (!ours && !destroyPending(name)) {
        bad.add(new Violation(name, "stray cgroup " + dir + (names.contains(name) ? " (container " + name
            + " is listed but its record does not name this cgroup)" : " (no listed container " + name + ")")
            + pendingIntents(name) + " " + describeCgroup(dir)));
      }
    }
    for (String file : entries(records)) {
      String name = file.endsWith(".record") ? "/" + file.substring(0, file.length() - 7).replace(':', '/') : null;
      if (name == null || !names.contains(name) && !destroyPending(name)) {
        bad.add(new Violation(name == null ? "?" : name, "stray record file " + records.resolve(file)
            + (name == null ? "" : pendingIntents(name))));
      }
    }
    if (bad.isEmpty()) {
      pauseAndResumeEach(api, listed, bad, figures);
    }
    return bad;
  }

  private void checkCpu(String name, ContainerSpec spec, CpuSpec committed, List<Violation> bad) throws IOException {
    Path dir = dir("cpu", name);
    if (!spec.hasCpu()) {
      bad.add(new Violation(name, "isolates cpu but spec() has no cpu"));
      return;
    }
    long quota;
    long period;
    if (Files.exists(dir.resolve("cpu.weight"))) { // cgroup2: weight from shares (runc's formula)
      long weight = readLong(dir.resolve("cpu.weight"));
      String[] max = Files.readString(dir.resolve("cpu.max")).strip().split(" ");
      quota = max[0].equals("max") ? -1 : Long.parseLong(max[0]);
      period = Long.parseLong(max[1]);
      long expected = weightOf(sharesOf(committed.hasLimit() ? committed.getLimit() : 1000));
      if (weight != expected) {
        bad.add(new Violation(name, "cpu.weight " + weight + " but its committed spec says " + committed.getLimit()
            + " milli-CPUs (weight " + expected + ")" + pendingIntents(name)));
      }
    } else {
      long shares = readLong(dir.resolve("cpu.shares"));
      quota = readLong(dir.resolve("cpu.cfs_quota_us"));
      period = readLong(dir.resolve("cpu.cfs_period_us"));
      if (spec.getCpu().getLimit() != shares * 1000 / 1024) {
        bad.add(new Violation(name, "cpu.shares " + shares + " but spec() says limit " + spec.getCpu().getLimit()));
      }
      long expected = sharesOf(committed.hasLimit() ? committed.getLimit() : 1000);
      if (shares != expected) {
        bad.add(new Violation(name, "cpu.shares " + shares + " but its committed spec says " + committed.getLimit()
            + " milli-CPUs (" + expected + " shares)" + pendingIntents(name)));
      }
    }
    long specCap = spec.getCpu().hasMaxLimit() ? spec.getCpu().getMaxLimit() : -1;
    long kernelCap = quota > 0 ? quota * 1000 / period : -1;
    if (specCap != kernelCap) {
      bad.add(new Violation(name, "cpu quota " + quota + "/" + period + " µs but spec() says max_limit " + specCap));
    }
    long committedCap = committed.hasMaxLimit() ? committed.getMaxLimit() : -1;
    if (kernelCap != committedCap) {
      bad.add(new Violation(name, "cpu quota " + quota + "/" + period + " µs but its committed spec says max_limit "
          + committedCap + pendingIntents(name)));
    }
  }

  private void checkMemory(String name, ContainerSpec spec, MemorySpec committed, List<Violation> bad)
      throws IOException {
    Path dir = dir("memory", name);
    long limit;
    if (Files.exists(dir.resolve("memory.max"))) {
      String v = Files.readString(dir.resolve("memory.max")).strip();
      limit = v.equals("max") ? -1 : Long.parseLong(v);
    } else {
      limit = readLong(dir.resolve("memory.limit_in_bytes"));
      limit = limit >= V1_UNLIMITED ? -1 : limit;
    }
    if (!spec.hasMemory() || spec.getMemory().getLimit() != limit) {
      bad.add(new Violation(name, "memory limit " + limit + " in the kernel but spec() says "
          + (spec.hasMemory() ? spec.getMemory().getLimit() : "no memory")));
    }
    long expected = committed.hasLimit() ? committed.getLimit() : -1;
    if (limit != expected) {
      bad.add(new Violation(name, "memory limit " + limit + " in the kernel but its committed spec says " + expected
          + pendingIntents(name)));
    }
  }

  /**
   * Every listed container, parents first: those left paused by the clients are resumed first (a v1 child
   * cannot resume under a paused parent); then each is paused and resumed, its kernel state checked each time.
   */
  private void pauseAndResumeEach(ContainerApi api, List<String> listed, List<Violation> bad, SoakFigures figures)
      throws IOException {
    List<String> parentsFirst = new ArrayList<>(new TreeSet<>(listed));
    for (String name : parentsFirst) {
      if (selfFrozen(name)) {
        try {
          api.get(name).resume();
        } catch (ContainerException e) {
          bad.add(new Violation(name, "left paused by a client, cannot be resumed: " + e.code() + ": "
              + e.getMessage()));
        }
      }
    }
    for (String name : parentsFirst) {
      if (!freezerState(name).equals("THAWED")) {
        bad.add(new Violation(name, "freezer state " + freezerState(name) + " after every container was resumed"));
      }
    }
    if (!bad.isEmpty()) {
      return;
    }
    for (String name : parentsFirst) {
      try {
        api.get(name).pause();
        String paused = freezerState(name);
        api.get(name).resume();
        String resumed = freezerState(name);
        if (!paused.equals("FROZEN") || !resumed.equals("THAWED")) {
          bad.add(new Violation(name, "kernel freezer state " + paused + " after pause, " + resumed + " after resume"));
        }
        figures.pauseResumeChecked.incrementAndGet();
      } catch (ContainerException e) {
        bad.add(new Violation(name, "pause/resume failed at a quiet point: " + e.code() + ": " + e.getMessage()));
      }
    }
  }

  /** After everything was destroyed through the API: what is left (nothing, when all is well). */
  List<String> leftovers() throws IOException {
    List<String> left = new ArrayList<>();
    for (Path d : cgroupsBelowRoot()) {
      left.add("cgroup " + d);
    }
    for (String f : entries(records)) {
      left.add("record " + records.resolve(f));
    }
    for (String f : entries(intents)) {
      left.add("intent " + intents.resolve(f) + " (" + Files.readString(intents.resolve(f)).lines().findFirst()
          .orElse("") + ")");
    }
    return left;
  }

  /**
   * What keeps a cgroup busy, for a diagnosis: its tasks (command, state, cgroups in the other hierarchies) and
   * its child directories, as the kernel shows them now.
   */
  static String describeCgroup(Path dir) {
    StringBuilder b = new StringBuilder("[tasks:");
    try {
      Path tasks = Files.exists(dir.resolve("tasks")) ? dir.resolve("tasks") : dir.resolve("cgroup.procs");
      for (String pid : Files.readAllLines(tasks)) {
        Path proc = Path.of("/proc", pid.strip());
        String state = "?";
        String comm = "?";
        String cgroups = "?";
        try {
          comm = Files.readString(proc.resolve("comm")).strip();
          state = Files.readAllLines(proc.resolve("status")).stream().filter(l -> l.startsWith("State:"))
              .findFirst().orElse("State: ?").substring(6).strip();
          cgroups = String.join(" ", Files.readAllLines(proc.resolve("cgroup")));
        } catch (IOException e) {
          // exited meanwhile
        }
        b.append(' ').append(pid.strip()).append('(').append(comm).append(", ").append(state).append(", ")
            .append(cgroups).append(')');
      }
      b.append("; children:");
      try (Stream<Path> s = Files.list(dir)) {
        s.filter(Files::isDirectory).forEach(c -> b.append(' ').append(c.getFileName()));
      }
    } catch (IOException e) {
      b.append(" unreadable: ").append(e);
    }
    return b.append(']').toString();
  }

  /** The intent files naming {@code name}, for a violation's message. */
  /**
   * A destroy of the container or an ancestor is under way or pending (its intent is there): the container is
   * gone for the API and the next destroy, recovery or restart finishes it — e.g. one blocked by a paused
   * ancestor (v1: its processes cannot die until the ancestor is resumed, which is not the destroy's to do).
   * Tolerated at quiet points; the final check after destroying everything tolerates nothing.
   */
  boolean destroyPending(String name) {
    if (name == null) {
      return false;
    }
    for (String n = name; n.length() > 1; n = n.substring(0, Math.max(1, n.lastIndexOf('/')))) {
      if (Files.exists(intents.resolve(n.substring(1).replace('/', ':') + ".destroy"))) {
        return true;
      }
    }
    return false;
  }

  String pendingIntents(String name) throws IOException {
    String prefix = name.substring(1).replace('/', ':') + ".";
    List<String> found = new ArrayList<>();
    for (String f : entries(intents)) {
      if (f.startsWith(prefix)) {
        found.add(f + " (owner " + Files.readString(intents.resolve(f)).lines().findFirst().orElse("?") + ")");
      }
    }
    return found.isEmpty() ? "" : "; pending intents: " + found;
  }

  /** Every intent file now (at a quiet point: left by a dead daemon or an operation that failed half-way). */
  List<String> intentFiles() {
    return entries(intents);
  }

  private List<Path> cgroupsBelowRoot() throws IOException {
    List<Path> out = new ArrayList<>();
    for (Hierarchy h : layout.hierarchies()) {
      Path r = rootDir(h);
      if (Files.isDirectory(r)) {
        try (Stream<Path> s = Files.walk(r)) {
          s.filter(p -> Files.isDirectory(p) && !p.equals(r)).forEach(out::add);
        } catch (java.io.UncheckedIOException e) {
          if (!(e.getCause() instanceof NoSuchFileException)) {
            throw e;
          }
        }
      }
    }
    return out;
  }

  private String containerOf(Path cgroup) {
    for (Hierarchy h : layout.hierarchies()) {
      Path r = rootDir(h);
      if (cgroup.startsWith(r)) {
        return "/" + r.relativize(cgroup);
      }
    }
    throw new IllegalArgumentException(cgroup + " is not below the test root");
  }

  private Path rootDir(Hierarchy h) {
    return h.mountPoint().resolve(root.substring(1));
  }

  /** A container's directory in the hierarchy of a controller (cgroup2's when it has no v1 one). */
  Path dir(String controller, String name) {
    Hierarchy h = layout.forController(controller).or(layout::unified).orElseThrow();
    return rootDir(h).resolve(name.substring(1));
  }

  /** THAWED, FREEZING or FROZEN, from v1's freezer.state or cgroup2's cgroup.freeze and cgroup.events. */
  String freezerState(String name) throws IOException {
    Path d = dir("freezer", name);
    if (Files.exists(d.resolve("freezer.state"))) {
      return Files.readString(d.resolve("freezer.state")).strip();
    }
    boolean frozen = Files.readString(d.resolve("cgroup.events")).contains("frozen 1");
    boolean requested = Files.readString(d.resolve("cgroup.freeze")).strip().equals("1");
    return frozen ? "FROZEN" : requested ? "FREEZING" : "THAWED";
  }

  /** Paused itself (not merely under a paused ancestor). */
  private boolean selfFrozen(String name) throws IOException {
    Path d = dir("freezer", name);
    if (Files.exists(d.resolve("freezer.self_freezing"))) {
      return Files.readString(d.resolve("freezer.self_freezing")).strip().equals("1");
    }
    return Files.readString(d.resolve("cgroup.freeze")).strip().equals("1");
  }

  private Optional<ContainerRecord> record(String name) throws IOException {
    try {
      return Optional.of(ContainerRecord.parseFrom(Files.readAllBytes(
          records.resolve(name.substring(1).replace('/', ':') + ".record"))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  private static List<String> entries(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static long readLong(Path f) throws IOException {
    return Long.parseLong(Files.readString(f).strip());
  }

  /** README: cpu.shares = max(2, limit·1024/1000). */
  static long sharesOf(long milliCpus) {
    return Math.min(262_144, Math.max(2, milliCpus * 1024 / 1000));
  }

  /** README: cgroup2's cpu.weight from shares with runc's formula. */
  static long weightOf(long shares) {
    if (shares <= 2) {
      return 1;
    }
    if (shares >= 262_144) {
      return 10_000;
    }
    double l = Math.log(shares) / Math.log(2);
    return (long) Math.ceil(Math.pow(10, (l * l + 125 * l) / 612.0 - 7.0 / 34.0));
  }
}

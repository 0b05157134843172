package org.lmctfy.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.StatusCode;
import org.lmctfy.spi.cgroup.CgroupTree;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.lmctfy.spi.cgroup.ProcessLeaf;

/**
 * The membership hierarchy (ARCHITECTURE.md § State): which processes belong to which container. cgroup2 where mounted
 * (pure v2 or hybrid), else the v1 named hierarchy {@code name=lmctfy}. It never depends on a controller.
 *
 * <p>The files it uses on cgroup2 ({@code cgroup.procs}, {@code cgroup.threads}, {@code cgroup.events},
 * {@code cgroup.kill}, {@code cgroup.freeze}) are the cgroup core's interface files, present in every non-root
 * cgroup whatever controllers are enabled (Documentation/admin-guide/cgroup-v2.rst, "Core Interface Files"),
 * not a resource's: the core uses them on its own membership cgroups to list and kill processes. Pausing a
 * container is the freezer resource's ({@code Pausing}).
 */
final class Tracking {
  /** Upper bound on waiting for killed processes to leave (ARCHITECTURE.md § Starting processes: bounded). */
  static final long KILL_TIMEOUT_MS = 10_000;

  private final CgroupTree tree;
  private final Hierarchy hierarchy;

  Tracking(CgroupTree tree, Hierarchy hierarchy) {
    this.tree = tree;
    this.hierarchy = hierarchy;
  }

  Hierarchy hierarchy() {
    return hierarchy;
  }

  boolean unified() {
    return hierarchy.unified();
  }

  Path dir(ContainerName name) throws ContainerException {
    return tree.dir(hierarchy, name);
  }

  boolean exists(ContainerName name) throws ContainerException {
    return ControlFiles.isDirectory(dir(name));
  }

  /** The file listing whole processes. */
  String procsFile() {
    return "cgroup.procs";
  }

  /** The file listing threads: cgroup.threads (v2), tasks (v1). */
  String threadsFile() {
    return hierarchy.unified() ? "cgroup.threads" : "tasks";
  }

  /** The container's own processes: its cgroup's and, on cgroup2, its process leaf's (ProcessLeaf). */
  List<Long> processes(ContainerName name) throws ContainerException {
    return procsOf(dir(name));
  }

  List<Long> threads(ContainerName name) throws ContainerException {
    return own(dir(name), threadsFile());
  }

  /** Where a process entering the container goes in this hierarchy: its process leaf on cgroup2. */
  Path placement(ContainerName name) throws ContainerException {
    return ProcessLeaf.placement(dir(name), hierarchy.unified());
  }

  /**
   * Pids listed in one container's cgroup and its process leaf. A cgroup directory always has cgroup.procs
   * on a real kernel; a directory without it (a fake tree in tests) holds no process.
   */
  private List<Long> procsOf(Path dir) throws ContainerException {
    return own(dir, procsFile());
  }

  private List<Long> own(Path dir, String file) throws ContainerException {
    List<Long> direct = listed(dir, file);
    if (!hierarchy.unified() || ProcessLeaf.isLeaf(dir)) {
      return direct;
    }
    Path leaf = ProcessLeaf.of(dir);
    if (!ControlFiles.isDirectory(leaf)) {
      return direct;
    }
    List<Long> out = new ArrayList<>(direct);
    out.addAll(listed(leaf, file));
    return out;
  }

  private static List<Long> listed(Path dir, String file) throws ContainerException {
    try {
      return ControlFiles.readLongs(dir, file);
    } catch (ContainerException e) {
      if (e.code() == StatusCode.NOT_FOUND && ControlFiles.isDirectory(dir)) {
        return List.of();
      }
      throw e;
    }
  }

  /** Pids of the whole subtree below and including {@code dir}. */
  List<Long> subtreeProcesses(Path dir) throws ContainerException {
    TreeSet<Long> out = new TreeSet<>(listed(dir, procsFile()));
    for (Path child : ControlFiles.subdirectories(dir)) { // the process leaf too
      out.addAll(subtreeProcesses(child));
    }
    return new ArrayList<>(out);
  }

  /** Whether any process lives in the subtree; one read of cgroup.events on v2. */
  boolean populated(Path dir) throws ContainerException {
    if (hierarchy.unified()) {
      // Documentation/admin-guide/cgroup-v2.rst, "cgroup.events": populated covers the whole subtree.
      String events;
      try {
        events = ControlFiles.read(dir, "cgroup.events");
      } catch (ContainerException e) {
        events = ""; // the root cgroup (and fake trees) have no cgroup.events: count processes instead
      }
      int i = events.indexOf("populated ");
      if (i >= 0) {
        return events.charAt(i + "populated ".length()) != '0';
      }
    }
    return !subtreeProcesses(dir).isEmpty();
  }

  /**
   * Kills every process of the subtree at {@code dir} and waits until none is left (bounded): cgroup.kill
   * where the kernel has it (atomic, also against forking), else rounds of SIGKILL to the listed pids.
   */
  /** Called when killed processes linger: a v1 freezer holds frozen tasks until they are thawed. */
  interface Unfreeze {
    void run() throws ContainerException;
  }

  void killSubtree(ContainerName name) throws ContainerException {
    killSubtree(name, () -> { });
  }

  void killSubtree(ContainerName name, Unfreeze unfreeze) throws ContainerException {
    Path dir = dir(name);
    if (!populated(dir)) {
      return;
    }
    List<Long> listed = subtreeProcesses(dir);
    if (listed.contains(ProcessHandle.current().pid())) { // the listing the pidfds need answers it (no read of
      throw holdsCaller(name);                              // /proc/self/cgroup)
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KILL_TIMEOUT_MS);
    boolean cgroupKill = hierarchy.unified() && ControlFiles.exists(dir, "cgroup.kill");
    long pause = TimeUnit.MICROSECONDS.toNanos(50);
    long unfreezeAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    boolean unfrozen = false;
    long emptySince = 0;
    // Opened before the kill (ProcessExits): a pid namespace's init leaves the cgroup before its namespace has
    // ended. Not poll(2) on cgroup.events: the kernel delays that file's notifications to one per 10 ms
    // (kernel/cgroup/cgroup.c, CGROUP_FILE_NOTIFY_MIN_INTV), far longer than a pid namespace takes to end
    // (tried: a virtual host's destroy went from ~0.7 to ~10 ms).
    try (ProcessExits exits = ProcessExits.open(listed)) {
      while (true) {
        if (cgroupKill) {
          // Documentation/admin-guide/cgroup-v2.rst, "cgroup.kill": kills the whole subtree atomically.
          ControlFiles.write(dir, "cgroup.kill", "1");
        } else {
          for (long pid : subtreeProcesses(dir)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
          }
        }
        boolean ended = exits.await(Math.min(TimeUnit.MILLISECONDS.toNanos(20), deadline - System.nanoTime()));
        if (!exits.supported() || ended) {
          if (!populated(dir)) {
            return;
          }
          LockSupport.parkNanos(pause); // sampled; or forked before the kill, after the listing: dying too
        }
        if (!populated(dir)) {
          // Every process left the cgroup, some listed one has not ended its exit yet (an init reaping its
          // namespace): waited for above, at most a while longer.
          emptySince = emptySince == 0 ? System.nanoTime() : emptySince;
          if (System.nanoTime() - emptySince > TimeUnit.SECONDS.toNanos(2)) {
            return;
          }
          continue;
        }
        if (!unfrozen && System.nanoTime() > unfreezeAt) {
          unfrozen = true;
          unfreeze.run();
        }
        if (System.nanoTime() > deadline) {
          throw ContainerException.failedPrecondition("Processes " + subtreeProcesses(dir) + " of container "
              + name + " survived SIGKILL for " + KILL_TIMEOUT_MS + " ms. Some may be unkillable");
        }
        pause = Math.min(pause * 3 / 2, TimeUnit.MILLISECONDS.toNanos(20)); // a pid namespace ends in ~0.5 ms
      }
    }
  }

  /**
   * Kills the processes of this cgroup only, not of its children: freeze (cgroup2: the subtree stops, so
   * nothing forks meanwhile), SIGKILL the listed pids, thaw; repeat until none is left (bounded).
   */
  void killOwn(ContainerName name, Unfreeze unfreeze) throws ContainerException {
    Path dir = dir(name);
    refuseSelf(name);
    // cgroup2's core freeze (no controller), held only for the kill so that nothing forks meanwhile; thawed
    // again below whatever happens. Not a pause: that is the freezer resource's.
    // Not when the cgroup is frozen already (a paused container on cgroup2, whose freezer is this same file):
    // thawing it afterwards would resume the container; SIGKILL ends frozen cgroup2 tasks anyway.
    boolean freeze = hierarchy.unified() && ControlFiles.exists(dir, "cgroup.freeze")
        && ControlFiles.readLine(dir, "cgroup.freeze").equals("0");
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KILL_TIMEOUT_MS);
    long unfreezeAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    boolean unfrozen = false;
    while (true) {
      List<Long> pids = procsOf(dir);
      if (pids.isEmpty()) {
        return;
      }
      if (!unfrozen && System.nanoTime() > unfreezeAt) {
        unfrozen = true;
        unfreeze.run();
      }
      if (System.nanoTime() > deadline) {
        throw ContainerException.failedPrecondition("Processes " + pids + " of container " + name
            + " survived SIGKILL for " + KILL_TIMEOUT_MS + " ms. Some may be unkillable");
      }
      if (freeze) {
        ControlFiles.write(dir, "cgroup.freeze", "1");
      }
      try {
        for (long pid : pids) {
          ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
      } finally {
        if (freeze) {
          ControlFiles.write(dir, "cgroup.freeze", "0"); // SIGKILL ends frozen cgroup2 tasks once thawed
        }
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  /** The refusal to kill a subtree that holds the calling process itself. */
  private static ContainerException holdsCaller(ContainerName name) {
    return ContainerException.failedPrecondition("Container " + name
        + " holds the calling process (" + ProcessHandle.current().pid() + "); it cannot kill itself");
  }

  /** Refuses to kill a subtree that holds the calling process itself (its cgroup in /proc/self/cgroup). */
  private void refuseSelf(ContainerName name) throws ContainerException {
    Optional<String> mine = cgroupOf("self");
    if (mine.isPresent()) {
      Optional<String> container = tree.containerPathOf(hierarchy, mine.get());
      if (container.isPresent()) {
        ContainerName self = ContainerName.of(container.get());
        if (name.isAncestorOrSelf(self)) {
          throw holdsCaller(name);
        }
      }
    }
  }

  /** The tracking-hierarchy cgroup path of a process or thread (as in /proc/PID/cgroup), if any. */
  Optional<String> cgroupOf(String procEntry) throws ContainerException {
    Path f = Path.of("/proc", procEntry, "cgroup");
    List<String> lines;
    try {
      lines = Files.readAllLines(f);
    } catch (NoSuchFileException e) {
      throw ContainerException.notFound("No such process or thread: " + procEntry);
    } catch (IOException e) {
      throw new ContainerException(StatusCode.NOT_FOUND, "Cannot read " + f + ": " + e.getMessage());
    }
    for (String line : lines) {
      // hierarchy-ID:controller-list:cgroup-path (cgroups(7)); cgroup2 is "0::path".
      int a = line.indexOf(':');
      int b = line.indexOf(':', a + 1);
      if (a < 0 || b < 0) {
        continue;
      }
      String controllers = line.substring(a + 1, b);
      boolean match = hierarchy.unified()
          ? line.startsWith("0:") && controllers.isEmpty()
          : ("name=" + hierarchy.name()).equals(controllers);
      if (match) {
        return Optional.of(line.substring(b + 1));
      }
    }
    return Optional.empty();
  }

  void mkdir(ContainerName name) throws ContainerException {
    ControlFiles.mkdir(dir(name));
  }

  void rmdir(ContainerName name) throws ContainerException {
    ControlFiles.rmdir(dir(name));
  }

  /** Writes a process (v2) or thread (v1) into the container. */
  void enter(ContainerName name, long tid) throws ContainerException {
    ControlFiles.write(placement(name), hierarchy.unified() ? "cgroup.procs" : "tasks", Long.toString(tid));
  }
}

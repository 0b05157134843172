package org.lmctfy.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.EventListener;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.NotificationHandle;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerRecord;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.api.proto.EventSpec;
import org.lmctfy.api.proto.ResourceRecord;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.spi.BuiltInResources;
import org.lmctfy.spi.EventProbe;
import org.lmctfy.spi.EventSourceCapability;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.SpecOperation;
import org.lmctfy.spi.StatsCapability;

/** A cheap, stateless handle: every call re-reads the kernel and the record. */
final class ContainerImpl implements Container {
  private final ContainerApiImpl api;
  private final ContainerName name;

  ContainerImpl(ContainerApiImpl api, ContainerName name) {
    this.api = api;
    this.name = name;
  }

  @Override
  public String name() {
    return name.toString();
  }

  private Context ctx() {
    return api.context(name);
  }

  private ResourceHandler handler(String resource) throws ContainerException {
    return api.handler(name, resource);
  }

  @Override
  public void update(ContainerSpec spec, UpdatePolicy policy) throws ContainerException {
    guarded(() -> {
      ContainerUpdate.update(api, name, spec, policy);
      return null;
    });
  }

  private interface Guarded<T> {
    T run() throws ContainerException;
  }

  private <T> T guarded(Guarded<T> op) throws ContainerException {
    try {
      return op.run();
    } catch (ContainerException e) {
      throw goneIfDestroyed(e);
    }
  }

  /**
   * An error met while a concurrent destroy removed this container's cgroups (ENODEV, a missing file or
   * cgroup) says what the caller needs to know: the container does not exist.
   */
  private ContainerException goneIfDestroyed(ContainerException e) {
    if (e.code() == StatusCode.NOT_FOUND && e.getMessage().startsWith("Container " + name + " does not exist")) {
      return e;
    }
    try {
      if (!name.isRoot() && !api.exists(name)) {
        ContainerException gone = ContainerException.notFound("Container " + name + " does not exist");
        gone.addSuppressed(e);
        return gone;
      }
    } catch (ContainerException | RuntimeException ignored) {
      // the original error says more
    }
    return e;
  }

  @Override
  public void enter(List<Long> tids) throws ContainerException {
    enterLocked(tids, false);
  }

  @Override
  public void enterToExec(List<Long> tids) throws ContainerException {
    enterLocked(tids, true);
  }

  private void enterLocked(List<Long> tids, boolean toExec) throws ContainerException {
    // Under the container's lock: a destroy (which kills, then removes the cgroups, under it) either sees the
    // entered threads or comes after and finds them gone with the container.
    guarded(() -> {
      try (ContainerLocks.Held lock = api.locks().lock(name, "enter into " + name)) {
        enterUnguarded(tids, toExec);
      }
      return null;
    });
  }

  /** {@code toExec}: refused while the container is paused (the handlers that say so are the ones placing). */
  private void enterUnguarded(List<Long> tids, boolean toExec) throws ContainerException {
    if (tids.isEmpty()) {
      throw ContainerException.invalidArgument("enter needs at least one thread id");
    }
    for (long tid : tids) {
      if (tid <= 0 || !new java.io.File("/proc/" + tid).exists()) {
        throw ContainerException.notFound("No such process or thread: " + tid + " (nothing was moved)");
      }
    }
    api.requireExists(name);
    List<ResourceHandler> nearest = api.nearestHandlers(name);
    if (toExec) {
      Pausing.refuseRunIfPaused(name, nearest);
    }
    ProcessShaping.checkEnter(api, name, tids);
    Tracking tracking = api.tracking();
    List<Path> dirs = placements(resourceDirs(nearest));
    Optional<Path> unified = unifiedMount();
    List<Long> moved = new ArrayList<>();
    for (long tid : tids) {
      try {
        tracking.enter(name, tid);
        for (Path d : dirs) {
          // v1 resource hierarchies take threads in tasks; cgroup2 whole processes in cgroup.procs.
          String file = unified.isPresent() && d.startsWith(unified.get()) ? "cgroup.procs" : "tasks";
          org.lmctfy.spi.cgroup.ControlFiles.write(d, file, Long.toString(tid));
        }
      } catch (ContainerException e) {
        throw e.withContext("Enter into " + name + " failed at thread " + tid
            + (moved.isEmpty() ? " (nothing was moved)" : "; already moved: " + moved));
      }
      moved.add(tid);
    }
  }

  /**
   * For every active resource, the cgroups a process of this container must be in: this container's if it
   * isolates the resource, else the nearest ancestor's that does (lmctfy's attach-to-parent rule).
   */
  List<Path> resourceDirs() throws ContainerException {
    return resourceDirs(api.nearestHandlers(name));
  }

  /**
   * Every cgroup a process entering this container is written into: the membership cgroup and each
   * resource's, a cgroup2 one's process leaf instead of the cgroup itself (ProcessLeaf).
   */
  List<Path> placementDirs() throws ContainerException {
    return placementDirs(api.nearestHandlers(name));
  }

  private List<Path> placementDirs(List<ResourceHandler> nearest) throws ContainerException {
    List<Path> dirs = new ArrayList<>();
    dirs.add(api.tracking().placement(name));
    dirs.addAll(placements(resourceDirs(nearest)));
    return dirs;
  }

  /** Resource cgroups mapped to where a process goes in each: a cgroup2 one's process leaf. */
  private List<Path> placements(List<Path> dirs) throws ContainerException {
    Optional<Path> unified = unifiedMount();
    List<Path> out = new ArrayList<>(dirs.size());
    for (Path d : dirs) {
      out.add(org.lmctfy.spi.cgroup.ProcessLeaf.placement(d, unified.isPresent() && d.startsWith(unified.get())));
    }
    return out;
  }

  /** The cgroup2 mount, where a process goes in whole (cgroup.procs); v1 hierarchies take threads (tasks). */
  private Optional<Path> unifiedMount() {
    return api.tree().layout().unified().map(h -> h.mountPoint());
  }

  /** {@link #resourceDirs()} given the nearest handlers of every active resource. */
  private List<Path> resourceDirs(List<ResourceHandler> nearest) throws ContainerException {
    LinkedHashSet<Path> out = new LinkedHashSet<>();
    Path trackingDir = api.tracking().dir(name);
    for (ResourceHandler h : nearest) {
      out.addAll(h.cgroupDirs());
    }
    // Resources whose controller is absent right now (hot-swap): their recorded cgroups, so a process started
    // meanwhile is limited all the same (ARCHITECTURE.md § Hot-swap contract: the kernel keeps enforcing what was set).
    Set<String> handled = new HashSet<>();
    for (ResourceHandlerFactory f : api.factories().all()) {
      handled.add(f.resource());
    }
    for (ContainerName at = name; !at.isRoot(); at = at.parent()) {
      Optional<ContainerRecord> rec = api.state().read(at);
      if (rec.isEmpty()) {
        continue;
      }
      for (ResourceRecord rr : rec.get().getResourceList()) {
        if (handled.add(rr.getResource())) {
          for (String d : rr.getCgroupDirList()) {
            out.add(Path.of(d));
          }
        }
      }
    }
    out.remove(trackingDir);
    return new ArrayList<>(out);
  }

  @Override
  public long run(List<String> command, RunSpec spec) throws ContainerException {
    return guarded(() -> {
      try (ContainerLocks.Held lock = api.locks().lock(name, "run in " + name)) {
        return runUnguarded(command, spec);
      }
    });
  }

  private long runUnguarded(List<String> command, RunSpec spec) throws ContainerException {
    org.lmctfy.spi.exec.HelperProcess.checkCommand(command); // a bad command fails before anything is spawned
    api.requireExists(name);
    List<ResourceHandler> nearest = api.nearestHandlers(name);
    Pausing.refuseRunIfPaused(name, nearest);
    java.util.Map<String, Path> join = ProcessShaping.namespaces(api, name);
    RunSpec s = spec == null ? RunSpec.getDefaultInstance() : spec;
    if (!join.isEmpty()) {
      // In the container that holds the init: the init starts it (InitSpawn), in every namespace and cgroup.
      long init = initOf(join);
      java.util.OptionalLong spawned = init > 0 ? InitSpawn.start(api.spawnSocket(name), init, command, s)
          : java.util.OptionalLong.empty();
      if (spawned.isPresent()) {
        return spawned.getAsLong();
      }
    }
    List<Path> dirs = placementDirs(nearest);
    return api.execHelper().start(dirs, ExecHelper.joining(join), command, s, null, null);
  }

  /** The process whose namespaces are joined (/proc/<pid>/ns/<type>), or 0 when they are not named so. */
  private static long initOf(java.util.Map<String, Path> join) {
    long pid = 0;
    for (Path p : join.values()) {
      if (p.getNameCount() != 4 || !p.startsWith("/proc") || !p.getName(2).toString().equals("ns")) {
        return 0;
      }
      long owner;
      try {
        owner = Long.parseLong(p.getName(1).toString());
      } catch (NumberFormatException e) {
        return 0;
      }
      if (pid != 0 && pid != owner) {
        return 0; // namespaces of several processes: not one init's
      }
      pid = owner;
    }
    return pid;
  }

  /**
   * Moves the whole calling process (every thread of this JVM) into the container's cgroups, then
   * replaces it with {@code command}. Returns only by throwing.
   */
  @Override
  public void exec(List<String> command) throws ContainerException {
    org.lmctfy.spi.exec.HelperProcess.checkCommand(command);
    api.requireExists(name);
    List<ResourceHandler> nearest = api.nearestHandlers(name);
    Pausing.refuseRunIfPaused(name, nearest);
    List<Path> dirs = placementDirs(nearest);
    java.util.Map<String, Path> join = ProcessShaping.namespaces(api, name);
    String self = Long.toString(ProcessHandle.current().pid());
    for (Path d : dirs) {
      org.lmctfy.spi.cgroup.ControlFiles.write(d, "cgroup.procs", self);
    }
    api.execHelper().shutdownServer(); // the program exec'd must not hold the helper server's connection
    // Namespaces cannot be joined by a multi-threaded JVM: the helper, exec'd in its place, joins them.
    throw SelfExec.exec(join.isEmpty() ? command : api.execHelper().execVector(join, command));
  }

  @Override
  public ContainerSpec spec() throws ContainerException {
    return guarded(() -> specUnguarded());
  }

  private ContainerSpec specUnguarded() throws ContainerException {
    api.requireExists(name);
    ContainerSpec.Builder out = ContainerSpec.newBuilder();
    if (name.isRoot()) {
      return out.build();
    }
    ContainerRecord record = api.record(name);
    if (record.hasOwnerUid()) {
      out.setOwner(record.getOwnerUid());
    }
    if (record.hasOwnerGid()) {
      out.setOwnerGroup(record.getOwnerGid());
    }
    for (ResourceRecord rr : record.getResourceList()) { // the record read once: it also names the resources
      String r = rr.getResource();
      if (api.factories().get(r).isEmpty()) {
        out.addUnavailableResources(r);
        continue;
      }
      handler(r).fillSpec(out);
    }
    return out.build();
  }

  @Override
  public List<Container> listSubcontainers(ListPolicy policy) throws ContainerException {
    api.requireExists(name);
    List<Container> out = new ArrayList<>();
    for (ContainerName c : api.subcontainers(name, policy)) {
      out.add(new ContainerImpl(api, c));
    }
    return out;
  }

  @Override
  public List<Long> listThreads(ListPolicy policy) throws ContainerException {
    return list(policy, true);
  }

  @Override
  public List<Long> listProcesses(ListPolicy policy) throws ContainerException {
    return list(policy, false);
  }

  private List<Long> list(ListPolicy policy, boolean threads) throws ContainerException {
    return guarded(() -> listUnguarded(policy, threads));
  }

  private List<Long> listUnguarded(ListPolicy policy, boolean threads) throws ContainerException {
    api.requireExists(name);
    Tracking t = api.tracking();
    TreeSet<Long> out = new TreeSet<>(threads ? t.threads(name) : t.processes(name));
    if (policy == ListPolicy.RECURSIVE) {
      for (ContainerName c : api.subcontainers(name, ListPolicy.RECURSIVE)) {
        try {
          out.addAll(threads ? t.threads(c) : t.processes(c));
        } catch (ContainerException e) {
          if (e.code() != StatusCode.NOT_FOUND) {
            throw e; // a subcontainer destroyed meanwhile is simply absent
          }
        }
      }
    }
    return new ArrayList<>(out);
  }

  @Override
  public void pause() throws ContainerException {
    guarded(() -> {
      pauseUnguarded();
      return null;
    });
  }

  private void pauseUnguarded() throws ContainerException {
    try (ContainerLocks.Held lock = api.locks().lock(name)) {
      Pausing.pauser(api, name).freeze();
    }
  }

  @Override
  public void resume() throws ContainerException {
    guarded(() -> {
      resumeUnguarded();
      return null;
    });
  }

  private void resumeUnguarded() throws ContainerException {
    try (ContainerLocks.Held lock = api.locks().lock(name)) {
      Pausing.pauser(api, name).thaw();
    }
    if (api.lifecycle().intents().any()) {
      api.scheduleRecovery(); // a destroy below this container waited for it to be resumed
    }
  }

  @Override
  public ContainerStats stats(StatsType type) throws ContainerException {
    return guarded(() -> statsUnguarded(type));
  }

  private ContainerStats statsUnguarded(StatsType type) throws ContainerException {
    api.requireExists(name);
    ContainerStats.Builder out = ContainerStats.newBuilder();
    if (name.isRoot()) {
      return out.build();
    }
    for (String r : api.isolated(name)) {
      Optional<ResourceHandlerFactory> f = api.factories().get(r);
      if (f.isEmpty()) {
        out.addUnavailableResources(r);
        continue;
      }
      ResourceHandler h = handler(r);
      if (h instanceof StatsCapability) {
        ((StatsCapability) h).fillStats(type, out);
      }
    }
    return out.build();
  }

  @Override
  public NotificationHandle registerNotification(EventSpec spec, EventListener listener)
      throws ContainerException {
    if (spec == null || listener == null) {
      throw ContainerException.invalidArgument("registerNotification needs an EventSpec and a listener");
    }
    int events = spec.getAllFields().size();
    if (events != 1) {
      throw ContainerException.invalidArgument("An EventSpec names exactly one event (" + eventNames()
          + "); this one names " + events + (spec.getUnknownFields().asMap().isEmpty() ? ""
          : " and fields unknown to this version"));
    }
    api.requireExists(name);
    if (spec.hasContainerEmpty()) { // membership, which the core tracks itself
      return api.notifications().register(name, this, null, spec,
          new EmptyProbe(api.tracking(), api.tracking().dir(name)), listener);
    }
    for (ResourceHandlerFactory f : api.factories().all()) {
      Optional<EventProbe> p = resourceProbe(f, spec);
      if (p.isPresent()) {
        return api.notifications().register(name, this, f.resource(), spec, p.get(), listener);
      }
    }
    throw noEventSource(spec);
  }

  /** The events an EventSpec may name, as its fields say: "a, b or c". */
  private static String eventNames() {
    List<String> names = new ArrayList<>();
    EventSpec.getDescriptor().getFields().forEach(fd -> names.add(fd.getName()));
    int last = names.size() - 1;
    return last <= 0 ? String.join("", names) : String.join(", ", names.subList(0, last)) + " or " + names.get(last);
  }

  /**
   * No active resource serves the event: UNAVAILABLE when the resource lmctfy's API says serves it (or, for an
   * event unknown to that table, a resource of this container or an ancestor) has no active controller, since
   * it may be back; else INVALID_ARGUMENT.
   */
  private ContainerException noEventSource(EventSpec spec) throws ContainerException {
    String event = spec.getAllFields().keySet().iterator().next().getName();
    Optional<String> needed = BuiltInResources.servingEvent(spec);
    if (needed.isPresent()) {
      if (api.factories().get(needed.get()).isEmpty()) {
        return ContainerException.unavailable("The event " + event + " needs the " + needed.get()
            + " resource, whose controller is not active (bundle missing or stopped)");
      }
    } else {
      for (ContainerName at = name; !at.isRoot(); at = at.parent()) {
        Optional<ResourceRecord> absent = api.absentController(at, false);
        if (absent.isPresent()) {
          return ContainerException.unavailable("No active resource of " + name + " serves the event " + event
              + " while resource " + absent.get().getResource() + " of " + at + " has no active controller (bundle"
              + " missing or stopped); retry when it is back");
        }
      }
    }
    return ContainerException.invalidArgument("No resource of " + name + " serves the event " + spec);
  }

  /** The probe of a resource for the nearest container (this or an ancestor) isolating it. */
  Optional<EventProbe> resourceProbe(ResourceHandlerFactory f, EventSpec spec) throws ContainerException {
    Optional<ResourceHandler> h = api.nearest(f, name);
    if (h.isPresent() && h.get() instanceof EventSourceCapability) {
      return ((EventSourceCapability) h.get()).probe(spec);
    }
    return Optional.empty();
  }

  @Override
  public void unregisterNotification(NotificationHandle handle) throws ContainerException {
    api.notifications().unregister(handle);
  }

  @Override
  public void killAll() throws ContainerException {
    killAll(ListPolicy.SELF);
  }

  @Override
  public void killAll(ListPolicy policy) throws ContainerException {
    guarded(() -> {
      killAllUnguarded(policy);
      return null;
    });
  }

  private void killAllUnguarded(ListPolicy policy) throws ContainerException {
    try (ContainerLocks.Held lock = api.locks().lock(name)) {
      api.requireExists(name);
      if (name.isRoot()) {
        throw ContainerException.invalidArgument("Refusing to kill every process of the root container /");
      }
      Tracking t = api.tracking();
      // A paused container's tasks ignore SIGKILL on v1 until thawed: if they linger, thaw what is being
      // emptied (top down); it ends up empty and thawed. (cgroup2's cgroup.kill ends frozen tasks as they
      // are: the container stays paused.)
      boolean recursive = policy == ListPolicy.RECURSIVE
          || org.lmctfy.spi.cgroup.ControlFiles.subdirectories(t.dir(name)).stream()
              .allMatch(org.lmctfy.spi.cgroup.ProcessLeaf::isLeaf); // no child but the process leaf
      Tracking.Unfreeze thaw = () -> {
        List<ContainerName> parentsFirst = new ArrayList<>(List.of(name));
        if (recursive) {
          parentsFirst.addAll(api.subcontainers(name, ListPolicy.RECURSIVE)); // sorted: parents first
        }
        Pausing.refusePausedAbove(api, name, "kill the processes of " + name);
        Pausing.thawTopDown(api, parentsFirst);
      };
      if (recursive) {
        t.killSubtree(name, thaw);
      } else {
        t.killOwn(name, thaw);
      }
    }
  }

  @Override
  public long initPid() throws ContainerException {
    return guarded(() -> {
      api.requireExists(name);
      return ProcessShaping.initPid(api, name);
    });
  }

  /** As a run refuses a paused container: the nearest handlers' pause state (Pausing.refuseRunIfPaused). */
  @Override
  public java.util.Optional<String> pauseState() throws ContainerException {
    return guarded(() -> {
      api.requireExists(name);
      return Pausing.pauseState(api.nearestHandlers(name));
    });
  }

  @Override
  public String toString() {
    return name.toString();
  }
}

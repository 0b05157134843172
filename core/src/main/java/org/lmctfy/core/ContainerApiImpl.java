package org.lmctfy.core;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.CgroupHierarchy;
import org.lmctfy.api.proto.CgroupMount;
import org.lmctfy.api.proto.ContainerRecord;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.api.proto.ResourceRecord;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.SpecOperation;
import org.lmctfy.spi.cgroup.CgroupDirs;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.CgroupTree;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * The ContainerApi on the real kernel (ARCHITECTURE.md § How the core stays resource-blind–§4). Plain Java: the DS component
 * {@link ContainerApiComponent} wraps it, tests and the CLI may build it directly.
 *
 * <p>A container exists when its directory exists in the tracking hierarchy and it has a record: cgroups
 * under the root that lmctfy did not create (e.g. systemd's slices) are never listed, entered or destroyed.
 */
public final class ContainerApiImpl implements ContainerApi, AutoCloseable {
  private final FactoryRegistry factories;
  private final Path stateDir;
  private final String cgroupRoot;
  private final ContainerLocks locks;
  private final ExecHelper execHelper;
  private final Notifications notifications = new Notifications();
  private volatile CgroupTree tree;
  private volatile StateStore state;
  private final Lifecycle lifecycle;
  private final ImplicitResources implicitResources;

  public ContainerApiImpl(CgroupLayout layout, String cgroupRoot, Path stateDir, FactoryRegistry factories)
      throws ContainerException {
    this(layout, cgroupRoot, stateDir, factories, null);
  }

  /** @param execHelper the installed exec helper binary, or null to extract it from the class path */
  public ContainerApiImpl(CgroupLayout layout, String cgroupRoot, Path stateDir, FactoryRegistry factories,
      Path execHelper) throws ContainerException {
    this.factories = factories;
    this.stateDir = stateDir;
    this.cgroupRoot = cgroupRoot;
    this.tree = new CgroupTree(layout, cgroupRoot);
    this.state = new StateStore(stateDir, tree.root());
    this.locks = new ContainerLocks(stateDir.resolve("locks"));
    this.execHelper = execHelper == null ? new ExecHelper(stateDir) : new ExecHelper(stateDir, execHelper);
    this.lifecycle = new Lifecycle(this, new Intents(stateDir, tree.root()));
    this.implicitResources = new ImplicitResources(stateDir);
    factories.addListener(swapListener);
  }

  /**
   * Finishes or undoes what processes killed in the middle of an operation left (docs/ARCHITECTURE.md,
   * "Crash consistency"); the daemon and the embedded CLI call it when they start.
   *
   * @return what was done, one line each
   */
  public List<String> recover() {
    return lifecycle.recover();
  }

  Lifecycle lifecycle() {
    return lifecycle;
  }

  ImplicitResources implicitResources() {
    return implicitResources;
  }

  /** Notifications follow their resource's controller across swaps (ARCHITECTURE.md § Hot-swap contract). */
  private final java.util.function.Consumer<String> swapListener = this::controllerChanged;

  private void controllerChanged(String resource) {
    notifications.suspend(resource);
    Optional<ResourceHandlerFactory> f = factories.get(resource);
    if (f.isPresent()) {
      notifications.rearm(resource, (name, spec) -> new ContainerImpl(this, name).resourceProbe(f.get(), spec));
      scheduleRecovery(); // what waited for this controller (a dead process's update or destroy) can go on
    }
  }

  private static final System.Logger LOG = System.getLogger(ContainerApiImpl.class.getName());
  private final java.util.concurrent.atomic.AtomicBoolean recoveryPending =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final java.util.concurrent.ExecutorService recovery = java.util.concurrent.Executors.newSingleThreadExecutor(
      r -> {
        Thread t = new Thread(r, "lmctfy-recovery");
        t.setDaemon(true);
        return t;
      });

  /**
   * Recovery in the background (docs/ARCHITECTURE.md, "Crash consistency"): at start and whenever a controller
   * arrives, since an interrupted update or destroy may need a controller that binds after the core. Requests
   * are served meanwhile; one that meets a dead process's intent finishes or undoes it itself.
   */
  public void scheduleRecovery() {
    if (!recoveryPending.compareAndSet(false, true)) {
      return; // one is queued already: it will see everything
    }
    try {
      recovery.execute(() -> {
        recoveryPending.set(false);
        for (String line : recover()) {
          LOG.log(System.Logger.Level.WARNING, "recovery: " + line);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      recoveryPending.set(false);
    }
  }

  /** Where the init of virtual host {@code n} takes spawn requests (InitSpawn); null when none can. */
  Path spawnSocket(ContainerName n) {
    return InitSpawn.socket(stateDir, tree.root(), n);
  }

  ExecHelper execHelper() {
    return execHelper;
  }

  Notifications notifications() {
    return notifications;
  }

  /**
   * A type registry of every active resource's extension messages, for parsing and printing specs and
   * stats in text format ({@link org.lmctfy.api.SpecFormat}).
   */
  public com.google.protobuf.TypeRegistry typeRegistry() {
    com.google.protobuf.TypeRegistry.Builder b = com.google.protobuf.TypeRegistry.newBuilder();
    for (ResourceHandlerFactory f : factories.all()) {
      b.add(f.extensionTypes());
    }
    return b.build();
  }

  /** Stops the notification loop; containers are untouched. */
  @Override
  public void close() {
    factories.removeListener(swapListener);
    recovery.shutdownNow();
    notifications.close();
    execHelper.close();
  }

  CgroupTree tree() {
    return tree;
  }

  FactoryRegistry factories() {
    return factories;
  }

  StateStore state() {
    return state;
  }

  ContainerLocks locks() {
    return locks;
  }

  Tracking tracking() throws ContainerException {
    Optional<Hierarchy> h = tree.layout().tracking();
    if (h.isEmpty()) {
      throw ContainerException.failedPrecondition("No hierarchy to track containers: mount cgroup2, or run"
          + " 'lmctfy init' to mount the v1 hierarchy name=" + CgroupLayout.TRACKING_NAME);
    }
    return new Tracking(tree, h.get());
  }

  Context context(ContainerName name) {
    return new Context(name, tree, state);
  }

  // ------------------------------------------------------------------ machine

  @Override
  public void initMachine(InitSpec spec) throws ContainerException {
    boolean mounted = false;
    for (CgroupMount m : spec.getCgroupMountList()) {
      mounted |= mount(m);
    }
    if (tree.layout().tracking().isEmpty()) {
      Path at = Path.of("/sys/fs/cgroup", CgroupLayout.TRACKING_NAME);
      runMount(at, "none,name=" + CgroupLayout.TRACKING_NAME);
      mounted = true;
    }
    if (mounted) {
      tree = new CgroupTree(CgroupLayout.detect(), cgroupRoot);
    }
    // The container root in every hierarchy (idempotent), each directory of ours able to hold processes
    // whichever resource bundles are present (CgroupDirs: a v1 cpuset gets its parent's cpus and mems).
    for (Hierarchy h : tree.layout().hierarchies()) {
      Path root = tree.rootDir(h);
      List<Path> missing = new ArrayList<>();
      for (Path p = root; !Files.isDirectory(p) && p.startsWith(h.mountPoint()); p = p.getParent()) {
        missing.add(0, p);
      }
      for (Path p : missing) {
        try {
          Files.createDirectory(p);
        } catch (FileAlreadyExistsException raced) {
          // made meanwhile by a concurrent init: made usable below all the same
        } catch (IOException e) {
          throw KernelErrors.map(e, "create the container root " + root);
        }
        CgroupDirs.makeUsable(h, p);
      }
      CgroupDirs.makeUsable(h, root); // a root left unusable by an earlier version is repaired
    }
    for (ResourceHandlerFactory f : factories.all()) {
      try {
        f.initMachine(tree, spec);
      } catch (ContainerException e) {
        throw e.withContext("initMachine of resource " + f.resource());
      }
    }
    implicitResources.reset(factories.all());
  }

  /** Mounts one requested hierarchy (lmctfy's CgroupFactory::Mount rules); false when already there. */
  private boolean mount(CgroupMount m) throws ContainerException {
    if (!m.hasMountPath() || m.getHierarchyCount() == 0) {
      throw ContainerException.invalidArgument("cgroup_mount needs mount_path and at least one hierarchy: " + m);
    }
    Path at = Path.of(m.getMountPath());
    List<String> wanted = new ArrayList<>();
    for (CgroupHierarchy h : m.getHierarchyList()) {
      wanted.add(kernelName(h));
    }
    CgroupLayout layout = tree.layout();
    boolean allHere = true;
    for (String c : wanted) {
      Optional<Hierarchy> cur = layout.v1(c);
      if (cur.isPresent() && !cur.get().mountPoint().equals(at)) {
        throw ContainerException.invalidArgument("Hierarchy " + c + " is already mounted at "
            + cur.get().mountPoint() + ", not at " + at);
      }
      allHere &= cur.isPresent();
    }
    if (allHere) {
      return false;
    }
    for (Hierarchy h : layout.hierarchies()) {
      if (h.mountPoint().equals(at)) {
        throw ContainerException.invalidArgument(at + " already holds the hierarchy " + h);
      }
    }
    runMount(at, String.join(",", wanted));
    return true;
  }

  private static String kernelName(CgroupHierarchy h) throws ContainerException {
    return CgroupLayout.v1Controller(h).orElseThrow(() -> ContainerException.invalidArgument("Hierarchy " + h
        + " does not exist on a stock kernel"));
  }

  private static void runMount(Path at, String options) throws ContainerException {
    try {
      Files.createDirectories(at);
      Process p = new ProcessBuilder("mount", "-t", "cgroup", "-o", options, "cgroup", at.toString())
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw ContainerException.unavailable("mount of " + at + " did not finish in 30 s");
      }
      if (p.exitValue() != 0) {
        throw ContainerException.failedPrecondition("mount -t cgroup -o " + options + " cgroup " + at
            + " failed (" + p.exitValue() + "): " + out);
      }
    } catch (IOException e) {
      throw KernelErrors.map(e, "mount cgroup " + options + " at " + at);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerException(StatusCode.CANCELLED, "interrupted while mounting " + at);
    }
  }

  // ------------------------------------------------------------------ names

  /** Resolves a name against the calling thread's container. */
  ContainerName resolve(String name) throws ContainerException {
    if (name != null && name.startsWith("/")) {
      return ContainerName.of(name);
    }
    return ContainerName.resolve(name, ContainerName.of(detect(0)));
  }

  boolean exists(ContainerName name) throws ContainerException {
    Tracking t = tracking();
    if (name.isRoot()) {
      if (!t.exists(name)) {
        throw ContainerException.failedPrecondition("The container root " + t.dir(name)
            + " does not exist: run 'lmctfy init' (ContainerApi.initMachine) first");
      }
      return true;
    }
    return state.exists(name) && t.exists(name) && !lifecycle.intents().destroying(name);
  }

  void requireExists(ContainerName name) throws ContainerException {
    if (!exists(name)) {
      throw ContainerException.notFound("Container " + name + " does not exist");
    }
  }

  // ------------------------------------------------------------------ API

  @Override
  public Container get(String name) throws ContainerException {
    ContainerName n = resolve(name);
    requireExists(n);
    return new ContainerImpl(this, n);
  }

  @Override
  public Container create(String name, ContainerSpec spec) throws ContainerException {
    ContainerName n = resolve(name);
    if (n.isRoot()) {
      throw new ContainerException(StatusCode.ALREADY_EXISTS, "The root container / always exists");
    }
    lifecycle.create(n, spec);
    return new ContainerImpl(this, n);
  }

  @Override
  public void destroy(Container container) throws ContainerException {
    lifecycle.destroy(ContainerName.of(container.name()));
  }

  /**
   * A resource the container records whose controller is not active now (a swap), if any; only those that
   * shape processes when {@code shapingOnly}. Empty for the root and for a container without a record.
   */
  Optional<ResourceRecord> absentController(ContainerName n, boolean shapingOnly) throws ContainerException {
    return absentController(n, shapingOnly, r -> factories.get(r).isPresent());
  }

  /** {@link #absentController(ContainerName, boolean)} against a given set of active resources. */
  Optional<ResourceRecord> absentController(ContainerName n, boolean shapingOnly,
      java.util.function.Predicate<String> active) throws ContainerException {
    if (n.isRoot()) {
      return Optional.empty();
    }
    Optional<ContainerRecord> r = state.read(n);
    if (r.isPresent()) {
      for (ResourceRecord rr : r.get().getResourceList()) {
        if ((!shapingOnly || rr.getShapesProcesses()) && !active.test(rr.getResource())) {
          return Optional.of(rr);
        }
      }
    }
    return Optional.empty();
  }

  /** Subcontainers sorted by name (parents before descendants): tracking directories that have a record. */
  List<ContainerName> subcontainers(ContainerName n, ListPolicy policy) throws ContainerException {
    List<ContainerName> out = new ArrayList<>();
    collect(tracking(), n, policy == ListPolicy.RECURSIVE, out);
    Collections.sort(out);
    return out;
  }

  private void collect(Tracking t, ContainerName n, boolean recursive, List<ContainerName> out)
      throws ContainerException {
    for (String entry : ControlFiles.entries(t.dir(n))) {
      // Kernel control files never pass as container names (reserved), so no stat is spent on them.
      if (!ContainerName.isValidComponent(entry)) {
        continue;
      }
      ContainerName c = n.child(entry);
      if (!state.exists(c) || !t.exists(c) || lifecycle.intents().has(c, Intents.Op.DESTROY)) {
        continue; // a cgroup lmctfy did not create, a record without its cgroup, or being destroyed
      }
      out.add(c);
      if (recursive) {
        collect(t, c, true, out);
      }
    }
  }

  @Override
  public String detect(long tid) throws ContainerException {
    if (tid < 0) {
      throw ContainerException.invalidArgument("Thread id must be >= 0, got " + tid);
    }
    Tracking t = tracking();
    Optional<String> path = t.cgroupOf(tid == 0 ? "thread-self" : Long.toString(tid));
    if (path.isEmpty()) {
      return "/";
    }
    Optional<String> inTree = tree.containerPathOf(t.hierarchy(), path.get());
    if (inTree.isEmpty()) {
      return "/";
    }
    ContainerName n;
    try {
      n = ContainerName.of(inTree.get());
    } catch (ContainerException e) {
      return "/"; // a cgroup whose name is no container name: not ours
    }
    // The nearest ancestor-or-self that is a container of ours.
    while (!n.isRoot() && !state.exists(n)) {
      n = n.parent();
    }
    return n.toString();
  }

  /** Factories of the resources a container isolates, by resource name, in record order. */
  List<String> isolated(ContainerName n) throws ContainerException {
    if (n.isRoot()) {
      List<String> all = new ArrayList<>();
      factories.all().forEach(f -> all.add(f.resource()));
      return all;
    }
    ContainerRecord r = state.read(n).orElseThrow(
        () -> ContainerException.notFound("Container " + n + " does not exist"));
    List<String> out = new ArrayList<>();
    r.getResourceList().forEach(rr -> out.add(rr.getResource()));
    return out;
  }

  ResourceHandlerFactory activeFactory(ContainerName n, String resource) throws ContainerException {
    return factories.get(resource).orElseThrow(() -> ContainerException.unavailable("Resource " + resource
        + " of container " + n + " has no active controller (bundle missing or stopped)"));
  }

  /** The handler of a resource a container isolates; UNAVAILABLE when its controller is absent. */
  ResourceHandler handler(ContainerName n, String resource) throws ContainerException {
    return activeFactory(n, resource).attach(context(n)).orElseThrow(() -> ContainerException.failedPrecondition(
        "Container " + n + " is recorded as isolating " + resource + " but its cgroup is missing"));
  }

  /**
   * The handler of {@code f}'s resource for the nearest container, {@code n} or an ancestor, that isolates it:
   * the one a process of {@code n} is placed by (lmctfy's attach-to-parent rule); empty when none does.
   */
  Optional<ResourceHandler> nearest(ResourceHandlerFactory f, ContainerName n) throws ContainerException {
    for (ContainerName at = n; ; at = at.parent()) {
      Optional<ResourceHandler> h = f.attach(context(at));
      if (h.isPresent() || at.isRoot()) {
        return h;
      }
    }
  }

  /** For every active resource, the handler of the nearest container isolating it ({@link #nearest}). */
  List<ResourceHandler> nearestHandlers(ContainerName n) throws ContainerException {
    List<ResourceHandler> out = new ArrayList<>();
    for (ResourceHandlerFactory f : factories.all()) {
      nearest(f, n).ifPresent(out::add);
    }
    return out;
  }

  /** The recorded spec (as requested), or the default for the root. */
  ContainerRecord record(ContainerName n) throws ContainerException {
    return state.read(n).orElseThrow(() -> ContainerException.notFound("Container " + n + " does not exist"));
  }
}

package org.lmctfy.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.ContainerRecord;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ResourceRecord;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.SpecOperation;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.Hierarchy;

/**
 * The crash-safe lifecycle of containers (docs/ARCHITECTURE.md, "Crash consistency"): create and destroy
 * as write-ahead {@link Intents}, and the recovery that finishes or undoes what a killed process left.
 *
 * <ul>
 *   <li><b>create</b> holds its parent's lock (so a destroy of the parent, which takes it last, cannot
 *       interleave), writes its intent, makes the membership cgroup and each resource's, writes the record
 *       (the commit point) and deletes the intent. A stale create intent without a record is undone: the
 *       name's cgroups in every hierarchy are emptied and removed.
 *   <li><b>destroy</b> writes its intent under the container's lock (from then on the container and its
 *       subtree answer NOT_FOUND and no create starts below it), removes the subtree deepest first (each
 *       container under its own lock: kill, resources, record, membership cgroup), re-listing until nothing
 *       is left (creates that began before the intent finish meanwhile), and deletes the intent. A stale
 *       destroy intent is finished by the next destroy, create of that name, or start.
 * </ul>
 */
final class Lifecycle {
  /** Rounds of "remove what is below, then the container" before a destroy gives up (see destroy). */
  private static final int DESTROY_ROUNDS = 50;

  private final ContainerApiImpl api;
  private final Intents intents;

  Lifecycle(ContainerApiImpl api, Intents intents) {
    this.api = api;
    this.intents = intents;
  }

  Intents intents() {
    return intents;
  }

  // ------------------------------------------------------------------ create

  void create(ContainerName n, ContainerSpec spec) throws ContainerException {
    // 1. Validate everything before anything is written.
    Set<String> resources = SpecResources.mentioned(spec, api.factories().all());
    List<ResourceHandlerFactory> chosen = new ArrayList<>();
    for (String r : resources) {
      chosen.add(api.factories().get(r).orElseThrow(() -> ContainerException.unavailable("Resource " + r
          + " is mentioned by the spec but no controller for it is active (bundle missing or stopped)")));
    }
    api.implicitResources().requirePresent(api.factories().all());
    Context ctx = api.context(n);
    for (ResourceHandlerFactory f : chosen) {
      try {
        f.validate(ctx, spec, SpecOperation.CREATE);
      } catch (ContainerException e) {
        throw e.withContext("Container " + n + ", resource " + f.resource());
      }
    }
    if (spec.hasChildrenLimit() && spec.getChildrenLimit() < 0) {
      throw ContainerException.invalidArgument("children_limit must be >= 0, got " + spec.getChildrenLimit());
    }
    // A destroy of this name that its process did not live to finish is finished first (under n's lock).
    Optional<Intents.Intent> destroying = intents.read(n, Intents.Op.DESTROY);
    if (destroying.isPresent() && destroying.get().stale()) {
      finishDestroy(n);
    }
    Tracking tracking = api.tracking();
    try (ContainerLocks.Held lock = api.locks().lock(n.parent(), "create " + n)) {
      if (!api.exists(n.parent())) {
        throw ContainerException.notFound("Cannot create " + n + ": its parent " + n.parent() + " does not exist"
            + (intents.destroying(n.parent()) ? " (it is being destroyed)" : ""));
      }
      undoLeftovers(tracking, n);
      Optional<Intents.Intent> d = intents.read(n, Intents.Op.DESTROY);
      if (d.isPresent()) {
        throw Intents.busy(d.get());
      }
      if (api.state().exists(n)) {
        throw new ContainerException(StatusCode.ALREADY_EXISTS, "Container " + n + " already exists");
      }
      if (tracking.exists(n)) {
        throw new ContainerException(StatusCode.ALREADY_EXISTS, "Cannot create " + n + ": the cgroup "
            + tracking.dir(n) + " exists and was not made by lmctfy (no record); remove it, or destroy "
            + n.parent() + (n.parent().isRoot() ? "" : ", which removes everything below it"));
      }
      if (tracking.unified() && !n.parent().isRoot()) {
        // A parent made before process leaves existed may hold its processes in its own cgroup, where
        // cgroup2 would refuse to enable a controller for this child: they move into its leaf first.
        org.lmctfy.spi.cgroup.ProcessLeaf.adoptOwnProcesses(tracking.dir(n.parent()));
      }
      intents.write(n, Intents.Op.CREATE, new byte[0]);
      CrashPoint.at("create.intent-written");
      // 2. The membership cgroup, then each handler; any failure undoes everything in reverse order.
      List<ResourceHandler> created = new ArrayList<>();
      try {
        tracking.mkdir(n);
        CrashPoint.at("create.tracking-made");
        for (ResourceHandlerFactory f : chosen) {
          try {
            created.add(f.create(ctx, spec));
          } catch (ContainerException e) {
            throw e.withContext("Container " + n + ", resource " + f.resource());
          }
          CrashPoint.at("create.resource-made");
        }
        MembershipSettings.apply(tracking, n, spec, created);
        ProcessShaping.start(api, n, created); // e.g. a virtual host's init, inside the cgroups just made
        api.state().write(n, record(tracking, n, spec, created));
        CrashPoint.at("create.record-written");
      } catch (ContainerException | RuntimeException e) {
        rollback(n, tracking, created, e);
        throw e;
      }
      intents.delete(n, Intents.Op.CREATE); // committed with the record; a lost delete is harmless
    }
  }

  private static ContainerRecord record(Tracking tracking, ContainerName n, ContainerSpec spec,
      List<ResourceHandler> created) throws ContainerException {
    ContainerRecord.Builder record = ContainerRecord.newBuilder()
        .setName(n.toString()).setSpec(spec).setCreatedEpochMs(System.currentTimeMillis());
    Path trackingDir = tracking.dir(n);
    for (ResourceHandler h : created) {
      ResourceRecord.Builder rr = ResourceRecord.newBuilder().setResource(h.resource());
      if (h instanceof org.lmctfy.spi.ProcessCapability) {
        rr.setShapesProcesses(true);
      }
      for (Path d : h.cgroupDirs()) {
        if (!d.equals(trackingDir)) { // on cgroup2 resources share the tracking cgroup
          rr.addCgroupDir(d.toString());
        }
      }
      record.addResource(rr);
    }
    if (spec.hasOwner()) {
      record.setOwnerUid(spec.getOwner());
    }
    if (spec.hasOwnerGroup()) {
      record.setOwnerGid(spec.getOwnerGroup());
    }
    return record.build();
  }

  private void rollback(ContainerName n, Tracking tracking, List<ResourceHandler> created, Throwable cause) {
    List<ResourceHandler> reverse = new ArrayList<>(created);
    Collections.reverse(reverse);
    for (ResourceHandler h : reverse) {
      try {
        h.destroy();
      } catch (ContainerException | RuntimeException e) {
        cause.addSuppressed(e);
      }
    }
    try {
      // A controller that failed half-way (or went away in a swap) may have left its cgroup.
      sweep(tracking, n);
      InitSpawn.delete(api.spawnSocket(n)); // an init started and killed with the cgroups
      api.state().delete(n);
      intents.delete(n, Intents.Op.CREATE);
    } catch (ContainerException | RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  /**
   * Under the parent's lock (held by every create from its intent to its end, so no create of {@code n} is
   * under way): undoes a create that its process did not finish, and drops a record that lost its cgroup.
   */
  private void undoLeftovers(Tracking tracking, ContainerName n) throws ContainerException {
    if (intents.has(n, Intents.Op.CREATE)) {
      if (!(api.state().exists(n) && tracking.exists(n))) {
        sweep(tracking, n);
        api.state().delete(n);
      }
      intents.delete(n, Intents.Op.CREATE); // with a record and its cgroup, the create had committed
    } else if (api.state().exists(n) && !tracking.exists(n) && !intents.has(n, Intents.Op.DESTROY)) {
      api.state().delete(n); // a record without its container (left by an earlier version)
    }
  }

  /** Empties and removes the cgroups of {@code n} (and anything below them) in every hierarchy. */
  private void sweep(Tracking tracking, ContainerName n) throws ContainerException {
    if (tracking.exists(n)) {
      tracking.killSubtree(n);
    }
    for (Hierarchy h : api.tree().layout().hierarchies()) {
      Path d = api.tree().dir(h, n);
      if (Files.isDirectory(d) && !d.equals(tracking.dir(n))) {
        killIn(d);
        ControlFiles.rmdirRecursive(d);
      }
    }
    ControlFiles.rmdirRecursive(tracking.dir(n));
  }

  /** Processes left in a v1 resource cgroup that the membership cgroup no longer lists (a torn create). */
  private static void killIn(Path dir) throws ContainerException {
    for (Path c : ControlFiles.subdirectories(dir)) {
      killIn(c);
    }
    if (ControlFiles.exists(dir, "cgroup.procs")) {
      for (long pid : ControlFiles.readLongs(dir, "cgroup.procs")) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  // ------------------------------------------------------------------ destroy

  void destroy(ContainerName n) throws ContainerException {
    if (n.isRoot()) {
      throw ContainerException.invalidArgument("The root container / cannot be destroyed");
    }
    Tracking tracking = api.tracking();
    boolean tookOver;
    try (ContainerLocks.Held lock = api.locks().lock(n, "destroy " + n)) {
      Optional<Intents.Intent> mine = intents.read(n, Intents.Op.DESTROY);
      tookOver = mine.isPresent();
      if (mine.isPresent() && !mine.get().stale()) {
        throw ContainerException.notFound("Container " + n + " does not exist (it is being destroyed by "
            + mine.get().owner() + ")");
      }
      if (mine.isEmpty()) {
        if (!api.state().exists(n) || !tracking.exists(n) || intents.destroying(n)) {
          throw ContainerException.notFound("Container " + n + " does not exist");
        }
        intents.write(n, Intents.Op.DESTROY, new byte[0]);
        CrashPoint.at("destroy.intent-written");
      } else {
        intents.write(n, Intents.Op.DESTROY, new byte[0]); // taken over from its dead owner
      }
    }
    try {
      removeSubtree(tracking, n);
    } catch (ContainerException | RuntimeException e) {
      // Failed, not killed (a process that survives SIGKILL, a paused ancestor, the caller inside): a container
      // left whole is usable again; one half removed stays being destroyed, for the next destroy to finish.
      try {
        if (intact(tracking, n) && !tookOver) { // a destroy taken over from a dead process stays to be done
          intents.delete(n, Intents.Op.DESTROY);
        } else {
          intents.abandon(n, Intents.Op.DESTROY);
        }
      } catch (ContainerException | RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /** The container's record, membership cgroup and every recorded resource cgroup are there. */
  private boolean intact(Tracking tracking, ContainerName n) throws ContainerException {
    Optional<ContainerRecord> r = api.state().read(n);
    if (r.isEmpty() || !tracking.exists(n)) {
      return false;
    }
    for (ResourceRecord rr : r.get().getResourceList()) {
      for (String d : rr.getCgroupDirList()) {
        if (!Files.isDirectory(Path.of(d))) {
          return false;
        }
      }
    }
    return true;
  }

  /** Finishes a destroy whose process died (its intent is stale); quiet when someone else finished it. */
  void finishDestroy(ContainerName n) throws ContainerException {
    try {
      destroy(n);
    } catch (ContainerException e) {
      if (e.code() != StatusCode.NOT_FOUND) {
        throw e;
      }
    }
  }

  private void removeSubtree(Tracking tracking, ContainerName top) throws ContainerException {
    for (int round = 0; round < DESTROY_ROUNDS; round++) {
      List<ContainerName> below = recorded(tracking, top);
      Collections.reverse(below); // deepest first
      for (ContainerName c : below) {
        removeOne(tracking, c, top);
      }
      if (removeOne(tracking, top, top)) {
        return;
      }
    }
    throw ContainerException.unavailable("Destroy of " + top + " did not finish: containers kept appearing below"
        + " it for " + DESTROY_ROUNDS + " rounds; it stays marked as being destroyed: destroy it again");
  }

  /** Every container with a record below {@code n} (whether or not being destroyed), parents first. */
  private List<ContainerName> recorded(Tracking tracking, ContainerName n) throws ContainerException {
    List<ContainerName> out = new ArrayList<>();
    for (String entry : ControlFiles.entries(tracking.dir(n))) {
      if (ContainerName.isValidComponent(entry)) {
        ContainerName c = n.child(entry);
        if (api.state().exists(c) && tracking.exists(c)) {
          out.add(c);
          out.addAll(recorded(tracking, c));
        }
      }
    }
    return out;
  }

  /**
   * Removes one container under its lock, if nothing with a record is below it (false then: the caller lists
   * again). Cgroups below it without a record (a create killed half-way, a cgroup made by hand inside the
   * container) are emptied and removed with it: everything below a container is the container's.
   */
  private boolean removeOne(Tracking tracking, ContainerName n, ContainerName top) throws ContainerException {
    try (ContainerLocks.Held lock = api.locks().lock(n, "destroy " + top)) {
      Optional<ContainerRecord> record = api.state().read(n);
      if (record.isEmpty()) {
        if (n.equals(top)) { // a destroy that died after deleting the record: what is left goes
          intents.deleteChildCreates(n);
          sweep(tracking, n);
          intents.delete(n, Intents.Op.DESTROY);
        }
        return true;
      }
      for (Path child : ControlFiles.subdirectories(tracking.dir(n))) {
        String entry = child.getFileName().toString();
        if (ContainerName.isValidComponent(entry) && api.state().exists(n.child(entry))) {
          return false; // created meanwhile (it began before the intent): removed in the next round
        }
        if (ContainerName.isValidComponent(entry)) {
          intents.delete(n.child(entry), Intents.Op.CREATE);
          sweep(tracking, n.child(entry));
        } else if (!org.lmctfy.spi.cgroup.ProcessLeaf.isLeaf(child)) { // the leaf goes with the container
          ControlFiles.rmdirRecursive(child); // no container name: nothing of ours can be in it but cgroups
        }
      }
      intents.deleteChildCreates(n);
      // SIGKILL does not end a task held by a pause on v1 (the freezer): if the processes linger, thaw this
      // container and its ancestors up to top.
      tracking.killSubtree(n, () -> {
        List<ContainerName> upToTop = new ArrayList<>();
        for (ContainerName x = n; ; x = x.parent()) {
          upToTop.add(x);
          if (x.equals(top) || x.isRoot()) {
            break;
          }
        }
        Collections.reverse(upToTop);
        Pausing.refusePausedAbove(api, top, "destroy " + top);
        Pausing.thawTopDown(api, upToTop);
      });
      CrashPoint.at("destroy.processes-killed");
      removeResources(n, record.get());
      api.state().delete(n);
      CrashPoint.at("destroy.record-deleted");
      tracking.rmdir(n);
      if (record.get().getResourceList().stream().anyMatch(ResourceRecord::getShapesProcesses)) {
        InitSpawn.delete(api.spawnSocket(n)); // a virtual host's init took commands there; it is gone
      }
      CrashPoint.at("destroy.tracking-removed");
      if (n.equals(top)) {
        intents.delete(n, Intents.Op.DESTROY);
      }
      api.notifications().destroyed(n);
      return true;
    }
  }

  private void removeResources(ContainerName n, ContainerRecord record) throws ContainerException {
    List<ResourceRecord> resources = new ArrayList<>(record.getResourceList());
    Collections.reverse(resources);
    Context ctx = api.context(n);
    for (ResourceRecord rr : resources) {
      Optional<ResourceHandlerFactory> f = api.factories().get(rr.getResource());
      boolean done = false;
      try {
        Optional<ResourceHandler> h = f.isPresent() ? f.get().attach(ctx) : Optional.empty();
        if (h.isPresent()) {
          h.get().destroy();
          done = true;
        }
      } catch (ContainerException e) {
        if (e.code() != StatusCode.UNAVAILABLE) {
          throw e;
        }
        // its controller went away meanwhile (a swap): the generic removal below does it
      }
      if (!done) {
        // No controller active (or it no longer finds its cgroup): remove the recorded cgroups generically.
        List<String> dirs = new ArrayList<>(rr.getCgroupDirList());
        Collections.reverse(dirs);
        for (String d : dirs) {
          ControlFiles.rmdir(Path.of(d));
        }
      }
      CrashPoint.at("destroy.resource-removed");
    }
  }

  // ------------------------------------------------------------------ recovery

  /** Every resource the container records has an active controller (a thaw, a removal may need it). */
  private boolean controllersPresent(ContainerName n) throws ContainerException {
    return api.absentController(n, false).isEmpty();
  }


  /**
   * Finishes or undoes what dead processes left (stale intents), shallow containers first. Called when the
   * API starts (daemon, embedded CLI); what fails here is retried by the next operation that meets it.
   *
   * @return what it did, one line each (empty when nothing was left)
   */
  List<String> recover() {
    List<String> done = new ArrayList<>();
    intents.sweepTemporaries();
    List<Intents.Intent> all;
    try {
      all = intents.all();
    } catch (ContainerException e) {
      return List.of("cannot list intents: " + e.getMessage());
    }
    Set<ContainerName> destroyed = new TreeSet<>();
    for (Intents.Intent i : all) {
      if (!i.stale()) {
        continue;
      }
      try {
        switch (i.op()) {
          case CREATE:
            try (ContainerLocks.Held lock = api.locks().lock(i.name().parent(), "recover create " + i.name())) {
              if (intents.read(i.name(), Intents.Op.CREATE).map(Intents.Intent::stale).orElse(false)) {
                undoLeftovers(api.tracking(), i.name());
              }
            }
            done.add("undid the interrupted create of " + i.name());
            break;
          case DESTROY:
            if (!controllersPresent(i.name())) {
              done.add("the interrupted destroy of " + i.name() + " waits for its controllers");
              break;
            }
            if (destroyed.stream().noneMatch(d -> d.isAncestorOrSelf(i.name()))) {
              finishDestroy(i.name());
              destroyed.add(i.name());
            }
            intents.delete(i.name(), Intents.Op.DESTROY); // a descendant's, made moot by its ancestor's
            done.add("finished the interrupted destroy of " + i.name());
            break;
          case UPDATE:
            if (!controllersPresent(i.name())) {
              done.add("the interrupted update of " + i.name() + " waits for its controllers");
              break;
            }
            if (UpdateJournal.recover(api, i.name())) {
              done.add("rolled back the interrupted update of " + i.name());
            }
            break;
          default:
            break;
        }
      } catch (ContainerException | RuntimeException e) {
        done.add("could not recover " + i.op().suffix + " of " + i.name() + " (retried by the next operation): "
            + e.getMessage());
      }
    }
    return done;
  }
}

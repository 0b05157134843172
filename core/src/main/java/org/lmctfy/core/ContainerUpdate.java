package org.lmctfy.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerRecord;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.spi.BuiltInResources;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.SpecOperation;

/**
 * Container.update: validate all, snapshot the kernel's values, journal the snapshot ({@link UpdateJournal}),
 * apply, restore the snapshot on failure, then write the record (the commit point).
 */
final class ContainerUpdate {
  private ContainerUpdate() {}

  static void update(ContainerApiImpl api, ContainerName name, ContainerSpec spec, UpdatePolicy policy)
      throws ContainerException {
    if (name.isRoot()) {
      throw ContainerException.invalidArgument("The root container / cannot be updated");
    }
    Optional<String> fixed = BuiltInResources.fixedAtCreation(spec);
    if (fixed.isPresent()) {
      throw ContainerException.unimplemented("Updating " + fixed.get() + " is not supported (as in lmctfy)");
    }
    try (ContainerLocks.Held lock = api.locks().lock(name, "update " + name)) {
      api.requireExists(name);
      UpdateJournal.recoverLocked(api, name); // an earlier update whose process died is rolled back first
      ContainerRecord record = api.record(name);
      List<String> isolated = new ArrayList<>();
      record.getResourceList().forEach(rr -> isolated.add(rr.getResource())); // one read of the record
      // The spec's membership settings are fixed at creation.
      if (spec.hasOwner() || spec.hasOwnerGroup() || spec.hasChildrenLimit()) {
        throw ContainerException.invalidArgument(
            "owner, owner_group and children_limit can only be set when the container is created");
      }
      // Resources every container gets (claimed by an empty spec, e.g. the freezer) are not named by updates.
      Set<String> implicit = SpecResources.implicit(api.factories().all());
      implicit.addAll(api.implicitResources().known()); // also while such a controller is away (a swap)
      TreeSet<String> used = new TreeSet<>(SpecResources.mentioned(spec, api.factories().all()));
      used.removeAll(implicit);
      for (String r : used) {
        if (!isolated.contains(r)) {
          throw ContainerException.invalidArgument("Must not specify an update to a resource not being isolated: "
              + r + " (container " + name + " isolates " + isolated + ")");
        }
      }
      if (policy == UpdatePolicy.REPLACE) {
        List<String> missing = new ArrayList<>();
        for (String r : isolated) {
          if (!used.contains(r) && !implicit.contains(r)) {
            missing.add(r);
          }
        }
        if (!missing.isEmpty()) {
          throw ContainerException.invalidArgument(
              "A replace update must specify all resources being isolated; missing " + missing);
        }
      }
      SpecOperation op = policy == UpdatePolicy.DIFF ? SpecOperation.UPDATE_DIFF : SpecOperation.UPDATE_REPLACE;
      List<ResourceHandler> handlers = new ArrayList<>();
      for (String r : used) {
        ResourceHandlerFactory f = api.activeFactory(name, r);
        try {
          f.validate(api.context(name), spec, op);
        } catch (ContainerException e) {
          throw e.withContext("Container " + name + ", resource " + r);
        }
        handlers.add(api.handler(name, r));
      }
      // Snapshot what the kernel holds, apply, restore the snapshot on failure.
      ContainerSpec.Builder snapshot = ContainerSpec.newBuilder();
      for (ResourceHandler h : handlers) {
        h.fillSpec(snapshot);
      }
      Intents intents = api.lifecycle().intents();
      intents.write(name, Intents.Op.UPDATE, UpdateJournal.payload(record, snapshot.build()));
      CrashPoint.at("update.intent-written");
      List<ResourceHandler> touched = new ArrayList<>();
      try {
        for (ResourceHandler h : handlers) {
          touched.add(h);
          h.update(spec, policy);
          CrashPoint.at("update.resource-applied");
        }
      } catch (ContainerException | RuntimeException e) {
        try {
          intents.delete(name, Intents.Op.UPDATE);
        } catch (ContainerException | RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
        for (ResourceHandler h : touched) {
          try {
            h.update(snapshot.build(), UpdatePolicy.DIFF);
          } catch (ContainerException | RuntimeException restore) {
            e.addSuppressed(restore);
          }
        }
        if (e instanceof ContainerException) {
          throw ((ContainerException) e).withContext("Update of " + name + " failed and was rolled back");
        }
        throw e;
      }
      ContainerSpec requested = policy == UpdatePolicy.REPLACE
          ? BuiltInResources.withoutUpdatableResources(record.getSpec()).mergeFrom(spec).build()
          : record.getSpec().toBuilder().mergeFrom(spec).build();
      api.state().write(name, record.toBuilder().setSpec(requested).build());
      CrashPoint.at("update.record-written");
      intents.delete(name, Intents.Op.UPDATE); // committed with the record
    }
  }

}

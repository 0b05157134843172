package org.lmctfy.core;

import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerRecord;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;

/**
 * The update's intent (docs/ARCHITECTURE.md, "Crash consistency"): before the first kernel write, the record
 * as it was and the kernel's values of every resource the update touches (the snapshot). An update whose
 * process died before writing the new record is rolled back to the snapshot by the next update of that
 * container or the next start; one that wrote it had committed, and only its intent goes.
 */
final class UpdateJournal {
  private UpdateJournal() {}

  static byte[] payload(ContainerRecord before, ContainerSpec snapshot) {
    byte[] r = before.toByteArray();
    byte[] s = snapshot.toByteArray();
    return ByteBuffer.allocate(4 + r.length + s.length).putInt(r.length).put(r).put(s).array();
  }

  /**
   * Under the container's lock: rolls back a stale update intent of {@code n}, if any. False when there was
   * none (or a live one: its owner finishes it).
   *
   * @throws ContainerException UNAVAILABLE when a controller needed for the rollback is absent (the intent
   *     stays for the next try)
   */
  static boolean recoverLocked(ContainerApiImpl api, ContainerName n) throws ContainerException {
    Intents intents = api.lifecycle().intents();
    Optional<Intents.Intent> i = intents.read(n, Intents.Op.UPDATE);
    if (i.isEmpty() || !i.get().stale()) {
      return false;
    }
    Optional<ContainerRecord> now = api.state().read(n);
    ByteBuffer b = ByteBuffer.wrap(i.get().payload());
    ContainerRecord before;
    ContainerSpec snapshot;
    try {
      byte[] r = new byte[b.getInt()];
      b.get(r);
      before = ContainerRecord.parseFrom(r);
      byte[] s = new byte[b.remaining()];
      b.get(s);
      snapshot = ContainerSpec.parseFrom(s);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      intents.delete(n, Intents.Op.UPDATE); // unreadable: nothing to roll back to
      return true;
    }
    if (now.isPresent() && now.get().equals(before) && api.exists(n)) {
      List<ResourceHandler> handlers = new ArrayList<>();
      for (String r : SpecResources.mentioned(snapshot, api.factories().all())) {
        ResourceHandlerFactory f = api.factories().get(r).orElseThrow(() -> ContainerException.unavailable(
            "Cannot roll back the interrupted update of " + n + ": resource " + r + " has no active controller"));
        Optional<ResourceHandler> h = f.attach(api.context(n));
        if (h.isPresent()) {
          handlers.add(h.get());
        }
      }
      for (ResourceHandler h : handlers) {
        h.update(snapshot, UpdatePolicy.DIFF);
      }
    }
    intents.delete(n, Intents.Op.UPDATE);
    return true;
  }

  static boolean recover(ContainerApiImpl api, ContainerName n) throws ContainerException {
    try (ContainerLocks.Held lock = api.locks().lock(n, "recover the update of " + n)) {
      return recoverLocked(api, n);
    }
  }
}

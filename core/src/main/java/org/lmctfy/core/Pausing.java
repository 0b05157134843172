package org.lmctfy.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.proto.ResourceRecord;
import org.lmctfy.spi.FreezerCapability;
import org.lmctfy.spi.PauseStateCapability;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;

/**
 * Pause and resume, and what a pause means to the other operations, without knowing which resource pauses: the
 * core asks the capabilities, {@link FreezerCapability} to freeze and thaw and {@link PauseStateCapability}
 * whether a pause holds processes (the freezer, which every container gets, has both).
 */
final class Pausing {
  private Pausing() {}

  /**
   * The handler that pauses and resumes {@code n}: of a resource it isolates that can freeze. UNAVAILABLE when
   * none is active but a resource of it has no active controller (it may be the one), else FAILED_PRECONDITION.
   */
  static FreezerCapability pauser(ContainerApiImpl api, ContainerName n) throws ContainerException {
    api.requireExists(n);
    List<String> isolated = api.isolated(n);
    List<String> absent = new ArrayList<>();
    for (String r : isolated) {
      Optional<ResourceHandlerFactory> f = api.factories().get(r);
      if (f.isEmpty()) {
        absent.add(r);
        continue;
      }
      Optional<ResourceHandler> h = f.get().attach(api.context(n));
      if (h.isPresent() && h.get() instanceof FreezerCapability) {
        return (FreezerCapability) h.get();
      }
    }
    if (!absent.isEmpty()) {
      throw ContainerException.unavailable("Container " + n + " cannot be paused or resumed now: "
          + (absent.size() == 1 ? "resource " + absent.get(0) + " of it has" : "resources " + absent + " of it have")
          + " no active controller (bundle missing or stopped) and no active one can pause it; retry when the"
          + " controller is back");
    }
    throw ContainerException.failedPrecondition("Container " + n + " isolates no resource that can pause it"
        + " (its resources: " + isolated + ")");
  }

  /**
   * A process started into a paused container would stop before its first instruction: refused. Asked of
   * {@code nearest}, the handlers a process of {@code n} is placed by (the nearest container isolating each
   * resource). A resource whose controller is absent cannot answer: the exec helper's start deadline then
   * reports a pause.
   */
  static void refuseRunIfPaused(ContainerName n, List<ResourceHandler> nearest) throws ContainerException {
    Optional<String> state = pauseState(nearest);
    if (state.isPresent()) {
      throw ContainerException.failedPrecondition("Container " + n + " is paused (" + state.get()
          + "): resume it before running a command");
    }
  }

  /** The first pause state that one of {@code nearest} reports (Container.pauseState); empty when none. */
  static Optional<String> pauseState(List<ResourceHandler> nearest) throws ContainerException {
    for (ResourceHandler h : nearest) {
      if (h instanceof PauseStateCapability) {
        Optional<String> state = ((PauseStateCapability) h).pausedState();
        if (state.isPresent()) {
          return state;
        }
      }
    }
    return Optional.empty();
  }

  /**
   * For killed processes that linger after what is being emptied was thawed: a task held by a pause of a
   * container above {@code top} (cgroup v1's freezer) ignores SIGKILL until that container is resumed, which
   * only its owner may decide (it would resume the container's other processes too). Fails at once, naming it,
   * instead of after the kill's bound.
   */
  static void refusePausedAbove(ContainerApiImpl api, ContainerName top, String what) throws ContainerException {
    for (ContainerName a = top.isRoot() ? top : top.parent(); !a.isRoot(); a = a.parent()) {
      for (String r : api.isolated(a)) {
        Optional<ResourceHandlerFactory> f = api.factories().get(r);
        Optional<ResourceHandler> h = f.isPresent() ? f.get().attach(api.context(a)) : Optional.empty();
        if (h.isPresent() && h.get() instanceof PauseStateCapability
            && ((PauseStateCapability) h.get()).holdsKilledProcesses()) {
          throw ContainerException.failedPrecondition("Cannot " + what + ": its processes are frozen by paused"
              + " container " + a + " (resource " + r + ": they cannot die until it is resumed). Resume " + a
              + " first, or destroy it");
        }
      }
    }
  }

  /**
   * Thaws containers given parents first (a child cannot thaw while its parent is frozen). Called when killed
   * processes linger: if a resource of one of them has no active controller (a swap), nothing can thaw it, and
   * waiting out the kill's bound would only end in "unkillable": UNAVAILABLE at once instead.
   */
  static void thawTopDown(ContainerApiImpl api, List<ContainerName> parentsFirst) throws ContainerException {
    for (ContainerName x : parentsFirst) {
      Optional<ResourceRecord> absent = api.absentController(x, false);
      if (absent.isPresent()) {
        throw ContainerException.unavailable("Processes of " + x + " linger after SIGKILL while resource "
            + absent.get().getResource() + " of it has no active controller (bundle missing or stopped): a paused"
            + " container's processes cannot die until it is resumed; retry when the controller is back");
      }
    }
    for (ContainerName x : parentsFirst) {
      thaw(api, x);
    }
  }

  /**
   * Thaws a container through every capability of it that can, where its pause holds killed processes (a
   * v1 freezer frozen itself; a cgroup2 pause lets SIGKILL end its tasks and stays); a failure leaves the kill
   * to report.
   */
  private static void thaw(ContainerApiImpl api, ContainerName n) {
    try {
      for (String r : api.isolated(n)) {
        Optional<ResourceHandlerFactory> f = api.factories().get(r);
        if (f.isPresent()) {
          Optional<ResourceHandler> h = f.get().attach(api.context(n));
          if (h.isPresent() && h.get() instanceof FreezerCapability && !(h.get() instanceof PauseStateCapability
              && !((PauseStateCapability) h.get()).holdsKilledProcesses())) {
            ((FreezerCapability) h.get()).thaw();
          }
        }
      }
    } catch (ContainerException | RuntimeException e) {
      // The bounded kill loop reports the processes that survive.
    }
  }
}

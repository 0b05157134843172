package org.lmctfy.controller.freezer;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.FreezerCapability;
import org.lmctfy.spi.PauseStateCapability;
import org.lmctfy.spi.StatsCapability;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.ControllerHandler;
import org.lmctfy.spi.cgroup.Hierarchy;

/** The kernel files of the freezer, v1 and cgroup2. */
final class FreezerHandler extends ControllerHandler
    implements FreezerCapability, PauseStateCapability, StatsCapability {
  // Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst
  static final String V1_STATE = "freezer.state";
  static final String V1_SELF_FREEZING = "freezer.self_freezing";
  static final String V1_PARENT_FREEZING = "freezer.parent_freezing";
  // Documentation/admin-guide/cgroup-v2.rst, "cgroup.freeze" and "cgroup.events"
  static final String V2_FREEZE = "cgroup.freeze";
  static final String V2_EVENTS = "cgroup.events";
  /** A freeze can stick in FREEZING (a task in uninterruptible sleep): bounded wait, then undo. */
  static final long FREEZE_TIMEOUT_MS = 5_000;

  FreezerHandler(ContainerContext container, Hierarchy hierarchy, List<Path> dirs) {
    super(container, hierarchy, dirs);
  }

  @Override
  public String resource() {
    return "freezer";
  }

  @Override
  public void update(ContainerSpec spec, UpdatePolicy policy) {
    // No spec fields: pause/resume are operations, not settings.
  }

  @Override
  public void fillSpec(ContainerSpec.Builder spec) {}

  @Override
  public void freeze() throws ContainerException {
    write(true);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FREEZE_TIMEOUT_MS);
    long pause = TimeUnit.MICROSECONDS.toNanos(200);
    while (!state().equals("FROZEN")) {
      if (System.nanoTime() > deadline) {
        String stuck = state();
        write(false); // never leave a container half frozen on error
        throw new ContainerException(StatusCode.DEADLINE_EXCEEDED, "Container " + name() + " did not freeze in "
            + FREEZE_TIMEOUT_MS + " ms (state " + stuck + "); it was thawed again");
      }
      if (!v2) {
        write(true); // v1: re-request while FREEZING, as the kernel doc advises
      }
      LockSupport.parkNanos(pause);
      pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  @Override
  public void thaw() throws ContainerException {
    write(false);
    // Under a paused ancestor the container stays frozen whatever its own state: say so at once.
    Path pausedAbove = pausedAncestor();
    if (pausedAbove != null && !state().equals("THAWED")) {
      throw ContainerException.failedPrecondition("Container " + name() + " cannot resume while a container "
          + "above it is paused (" + pausedAbove + "); resume that one first. It will run again then");
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FREEZE_TIMEOUT_MS);
    while (!state().equals("THAWED")) {
      if (System.nanoTime() > deadline) {
        throw new ContainerException(StatusCode.DEADLINE_EXCEEDED,
            "Container " + name() + " did not thaw in " + FREEZE_TIMEOUT_MS + " ms (state " + state() + ")");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  /** The cgroup of the nearest paused ancestor in this hierarchy, or null. */
  private Path pausedAncestor() throws ContainerException {
    if (!v2 && (!ControlFiles.exists(dir, V1_PARENT_FREEZING)
        || !ControlFiles.readLine(dir, V1_PARENT_FREEZING).equals("1"))) {
      return null;
    }
    Path top = hierarchy.mountPoint();
    for (Path p = dir.getParent(); p != null && p.startsWith(top) && !p.equals(top); p = p.getParent()) {
      String file = v2 ? V2_FREEZE : V1_SELF_FREEZING;
      if (ControlFiles.exists(p, file) && ControlFiles.readLine(p, file).equals("1")) {
        return p;
      }
    }
    return null;
  }

  /**
   * v1: freezer.state, which counts a freezing ancestor too (freezer-subsystem.rst); cgroup2: "frozen" of
   * cgroup.events, which does likewise. On a hybrid machine a cgroup2 freeze of the container's unified cgroup
   * (made by hand: lmctfy freezes through v1 there) stops its processes all the same.
   */
  @Override
  public Optional<String> pausedState() throws ContainerException {
    // (A hierarchy's top cgroup has neither file: it is never frozen.)
    if (!v2 && ControlFiles.exists(dir, V1_STATE)) {
      String state = ControlFiles.readLine(dir, V1_STATE);
      if (!state.equals("THAWED")) {
        return Optional.of(state + " in " + dir);
      }
    }
    Path unified = v2 ? dir : unifiedDir();
    if (unified != null && ControlFiles.exists(unified, V2_EVENTS)
        && ControlFiles.read(unified, V2_EVENTS).contains("frozen 1")) {
      return Optional.of("FROZEN in " + unified);
    }
    return Optional.empty();
  }

  /** v1 only: a task frozen by a freezing cgroup ignores SIGKILL until thawed; cgroup2's die of it. */
  @Override
  public boolean holdsKilledProcesses() throws ContainerException {
    return !v2 && ControlFiles.exists(dir, V1_SELF_FREEZING)
        && ControlFiles.readLine(dir, V1_SELF_FREEZING).equals("1");
  }

  private void write(boolean frozen) throws ContainerException {
    if (v2) {
      ControlFiles.write(dir, V2_FREEZE, frozen ? "1" : "0");
    } else {
      ControlFiles.write(dir, V1_STATE, frozen ? "FROZEN" : "THAWED");
    }
  }

  /** THAWED, FREEZING or FROZEN (v1's words; cgroup2 mapped onto them). */
  String state() throws ContainerException {
    if (!v2) {
      return ControlFiles.readLine(dir, V1_STATE);
    }
    boolean requested = ControlFiles.readLine(dir, V2_FREEZE).equals("1");
    boolean frozen = ControlFiles.read(dir, V2_EVENTS).contains("frozen 1");
    if (frozen) {
      return "FROZEN";
    }
    return requested ? "FREEZING" : "THAWED";
  }

  @Override
  public void fillStats(StatsType type, ContainerStats.Builder stats) throws ContainerException {
    stats.setFreezerState(state());
  }
}

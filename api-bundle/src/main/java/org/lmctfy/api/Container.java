package org.lmctfy.api;

import java.util.List;
import java.util.Optional;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.api.proto.EventSpec;
import org.lmctfy.api.proto.RunSpec;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A handle to one container (lmctfy's Container). Handles are cheap and stateless: every call re-reads
 * the kernel. Administrative operations on one container are serialized, across processes too.
 */
@ProviderType
public interface Container {
  /** The absolute name, e.g. {@code /sys/sub}. */
  String name();

  /** Applies a spec; the set of isolated resources cannot change. On failure the previous spec is restored. */
  void update(ContainerSpec spec, UpdatePolicy policy) throws ContainerException;

  /** Moves threads (cgroup v1) or whole processes (cgroup v2) into this container. */
  void enter(List<Long> tids) throws ContainerException;

  /**
   * Runs {@code command} (absolute path first) inside the container and returns its pid; the caller reaps
   * it.
   */
  long run(List<String> command, RunSpec spec) throws ContainerException;

  /**
   * Moves the threads of a process that replaces itself with a command next (as {@link #exec} does for the
   * caller, e.g. a command line client's foreground run) into this container: {@link #enter}, refused with
   * FAILED_PRECONDITION and nothing moved while the container is paused, since a thread entered into a paused
   * container stops before the command's first instruction (see {@link #pauseState}). One call where a client
   * would otherwise ask {@link #pauseState} and then {@link #enter}; this default does exactly that.
   *
   * @since 1.1
   */
  default void enterToExec(List<Long> tids) throws ContainerException {
    Optional<String> state = pauseState();
    if (state.isPresent()) {
      throw ContainerException.failedPrecondition("Container " + name() + " is paused (" + state.get()
          + "): resume it before running a command");
    }
    enter(tids);
  }

  /** Moves the calling process into the container and replaces it with {@code command}. */
  void exec(List<String> command) throws ContainerException;

  /** The resource settings as the kernel holds them, for the resources this container isolates. */
  ContainerSpec spec() throws ContainerException;

  /** Subcontainers, sorted by name (a parent always precedes its descendants). */
  List<Container> listSubcontainers(ListPolicy policy) throws ContainerException;

  List<Long> listThreads(ListPolicy policy) throws ContainerException;

  List<Long> listProcesses(ListPolicy policy) throws ContainerException;

  /** Freezes the container and its subtree. */
  void pause() throws ContainerException;

  void resume() throws ContainerException;

  ContainerStats stats(StatsType type) throws ContainerException;

  NotificationHandle registerNotification(EventSpec spec, EventListener listener) throws ContainerException;

  void unregisterNotification(NotificationHandle handle) throws ContainerException;

  /** Kills every process of this container (not of its subcontainers) and waits until none is left. */
  void killAll() throws ContainerException;

  /**
   * Kills every process of this container ({@code SELF}) or of its whole subtree ({@code RECURSIVE}),
   * including processes that keep forking, and waits (bounded) until none is left; FAILED_PRECONDITION
   * lists the survivors.
   */
  void killAll(ListPolicy policy) throws ContainerException;

  /** The pid of the container's init: a virtual host's own, else the system's (1). */
  long initPid() throws ContainerException;

  /**
   * Whether a process placed into this container now would stop before its first instruction: empty when
   * its processes run, else the pause that holds them, as the kernel says it (this container's or an
   * ancestor's, e.g. {@code "FROZEN"}). A client that is about to enter its own threads asks this first: a
   * thread entered into a paused container stops. Cheaper than {@link #stats} (one resource answers, one
   * file is read); this default asks the summary stats' freezer state.
   *
   * @since 1.1
   */
  default Optional<String> pauseState() throws ContainerException {
    String state = stats(StatsType.SUMMARY).getFreezerState();
    return state.isEmpty() || state.equals("THAWED") ? Optional.empty() : Optional.of(state);
  }
}

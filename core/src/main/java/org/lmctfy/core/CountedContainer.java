package org.lmctfy.core;

import java.util.ArrayList;
import java.util.List;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.EventListener;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.NotificationHandle;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.api.proto.EventSpec;
import org.lmctfy.api.proto.RunSpec;

/**
 * A container as the ContainerApi service hands it out: every call is counted by operation and status code
 * ({@link OperationCounts}), then done by the core's container. Subcontainers and the container an event names
 * are handed out counted too, so no call of a client escapes the count.
 */
final class CountedContainer implements Container {
  private final Container container;
  private final OperationCounts counts;

  CountedContainer(Container container, OperationCounts counts) {
    this.container = container;
    this.counts = counts;
  }

  @Override
  public String name() {
    return container.name();
  }

  @Override
  public void update(ContainerSpec spec, UpdatePolicy policy) throws ContainerException {
    counts.count("update", () -> container.update(spec, policy));
  }

  @Override
  public void enter(List<Long> tids) throws ContainerException {
    counts.count("enter", () -> container.enter(tids));
  }

  @Override
  public void enterToExec(List<Long> tids) throws ContainerException {
    counts.count("enter", () -> container.enterToExec(tids));
  }

  @Override
  public long run(List<String> command, RunSpec spec) throws ContainerException {
    return counts.count("run", () -> container.run(command, spec));
  }

  @Override
  public void exec(List<String> command) throws ContainerException {
    counts.count("exec", () -> container.exec(command)); // returns only when it failed
  }

  @Override
  public ContainerSpec spec() throws ContainerException {
    return counts.count("spec", container::spec);
  }

  @Override
  public List<Container> listSubcontainers(ListPolicy policy) throws ContainerException {
    List<Container> found = counts.count("list_subcontainers", () -> container.listSubcontainers(policy));
    List<Container> out = new ArrayList<>(found.size());
    found.forEach(c -> out.add(new CountedContainer(c, counts)));
    return out;
  }

  @Override
  public List<Long> listThreads(ListPolicy policy) throws ContainerException {
    return counts.count("list_threads", () -> container.listThreads(policy));
  }

  @Override
  public List<Long> listProcesses(ListPolicy policy) throws ContainerException {
    return counts.count("list_processes", () -> container.listProcesses(policy));
  }

  @Override
  public void pause() throws ContainerException {
    counts.count("pause", container::pause);
  }

  @Override
  public void resume() throws ContainerException {
    counts.count("resume", container::resume);
  }

  @Override
  public ContainerStats stats(StatsType type) throws ContainerException {
    return counts.count("stats", () -> container.stats(type));
  }

  @Override
  public NotificationHandle registerNotification(EventSpec spec, EventListener listener) throws ContainerException {
    EventListener counted = (c, status, detail) -> listener.onEvent(this, status, detail);
    return counts.count("register_notification", () -> container.registerNotification(spec, counted));
  }

  @Override
  public void unregisterNotification(NotificationHandle handle) throws ContainerException {
    counts.count("unregister_notification", () -> container.unregisterNotification(handle));
  }

  @Override
  public void killAll() throws ContainerException {
    counts.count("kill_all", () -> container.killAll());
  }

  @Override
  public void killAll(ListPolicy policy) throws ContainerException {
    counts.count("kill_all", () -> container.killAll(policy));
  }

  @Override
  public long initPid() throws ContainerException {
    return counts.count("init_pid", container::initPid);
  }

  @Override
  public java.util.Optional<String> pauseState() throws ContainerException {
    return counts.count("pause_state", container::pauseState);
  }

  @Override
  public String toString() {
    return container.toString();
  }
}

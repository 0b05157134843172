package org.lmctfy.launcher.daemon;

import com.google.protobuf.Descriptors.Descriptor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.EventListener;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.NotificationHandle;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.api.proto.EventSpec;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.api.proto.RunSpec;

/**
 * The container API without a kernel, for the daemon's tests: a tree of containers with their specs, the
 * threads entered into them and notification registrations. The core's rules that the daemon relies on are
 * kept (names already clean, a parent before its children, NOT_FOUND / ALREADY_EXISTS), nothing more.
 */
final class InMemoryContainerApi implements ContainerApi, Dispatcher.Api {
  private final Map<String, Node> containers = new TreeMap<>();
  private final Map<Long, String> threads = new HashMap<>();
  private long nextPid = 1000;
  private long nextHandle = 1;

  InMemoryContainerApi() {
    containers.put("/", new Node("/", ContainerSpec.getDefaultInstance()));
  }

  @Override
  public ContainerApi api() {
    return this;
  }

  @Override
  public List<Descriptor> extensionTypes() {
    return List.of();
  }

  @Override
  public void initMachine(InitSpec spec) {}

  @Override
  public Container get(String name) throws ContainerException {
    Node n = containers.get(clean(name));
    if (n == null) {
      throw ContainerException.notFound("No container " + name);
    }
    return n;
  }

  @Override
  public Container create(String name, ContainerSpec spec) throws ContainerException {
    ContainerName n = ContainerName.of(name);
    if (n.isRoot()) {
      throw new ContainerException(StatusCode.ALREADY_EXISTS, "The root container / always exists");
    }
    if (containers.containsKey(n.toString())) {
      throw new ContainerException(StatusCode.ALREADY_EXISTS, "Container " + n + " exists");
    }
    get(n.parent().toString());
    Node node = new Node(n.toString(), spec);
    containers.put(node.name, node);
    return node;
  }

  @Override
  public void destroy(Container container) throws ContainerException {
    if (container.name().equals("/")) {
      throw ContainerException.invalidArgument("The root container / cannot be destroyed");
    }
    get(container.name());
    containers.keySet().removeIf(k -> k.equals(container.name()) || k.startsWith(container.name() + "/"));
    threads.values().removeIf(c -> !containers.containsKey(c));
  }

  @Override
  public String detect(long tid) throws ContainerException {
    if (tid < 0) {
      throw ContainerException.invalidArgument("Thread id " + tid + " is negative");
    }
    return threads.getOrDefault(tid, "/");
  }

  private static String clean(String name) throws ContainerException {
    return ContainerName.of(name).toString();
  }

  private final class Node implements Container {
    private final String name;
    private ContainerSpec spec;
    private boolean paused;
    private final Map<NotificationHandle, EventListener> listeners = new HashMap<>();

    Node(String name, ContainerSpec spec) {
      this.name = name;
      this.spec = spec;
    }

    /** Fails like the core's containers once destroyed. */
    private void live() throws ContainerException {
      if (containers.get(name) != this) {
        throw ContainerException.notFound("Container " + name + " was destroyed");
      }
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void update(ContainerSpec update, UpdatePolicy policy) throws ContainerException {
      live();
      spec = policy == UpdatePolicy.REPLACE ? update : spec.toBuilder().mergeFrom(update).build();
    }

    @Override
    public void enter(List<Long> tids) throws ContainerException {
      live();
      for (long tid : tids) {
        if (tid <= 0) {
          throw ContainerException.invalidArgument("Thread id " + tid + " is not a thread");
        }
      }
      tids.forEach(t -> threads.put(t, name));
    }

    @Override
    public long run(List<String> command, RunSpec runSpec) throws ContainerException {
      live();
      if (command.isEmpty()) {
        throw ContainerException.invalidArgument("Empty command");
      }
      long pid = nextPid++;
      threads.put(pid, name);
      return pid;
    }

    @Override
    public void exec(List<String> command) throws ContainerException {
      throw ContainerException.unimplemented("exec replaces the calling process");
    }

    @Override
    public ContainerSpec spec() throws ContainerException {
      live();
      return spec;
    }

    @Override
    public List<Container> listSubcontainers(ListPolicy policy) throws ContainerException {
      live();
      List<Container> out = new ArrayList<>();
      String prefix = name.equals("/") ? "/" : name + "/";
      for (Node n : containers.values()) {
        if (n != this && n.name.startsWith(prefix)
            && (policy == ListPolicy.RECURSIVE || n.name.indexOf('/', prefix.length()) < 0)) {
          out.add(n);
        }
      }
      return out;
    }

    @Override
    public List<Long> listThreads(ListPolicy policy) throws ContainerException {
      live();
      List<Long> out = new ArrayList<>();
      threads.forEach((tid, c) -> {
        if (c.equals(name) || (policy == ListPolicy.RECURSIVE && (name.equals("/") || c.startsWith(name + "/")))) {
          out.add(tid);
        }
      });
      return out;
    }

    @Override
    public List<Long> listProcesses(ListPolicy policy) throws ContainerException {
      return listThreads(policy);
    }

    @Override
    public void pause() throws ContainerException {
      live();
      paused = true;
    }

    @Override
    public void resume() throws ContainerException {
      live();
      paused = false;
    }

    @Override
    public java.util.Optional<String> pauseState() throws ContainerException {
      live();
      return paused ? java.util.Optional.of("FROZEN") : java.util.Optional.empty();
    }

    @Override
    public ContainerStats stats(StatsType type) throws ContainerException {
      live();
      return ContainerStats.getDefaultInstance();
    }

    @Override
    public NotificationHandle registerNotification(EventSpec event, EventListener listener)
        throws ContainerException {
      live();
      int set = (event.hasOom() ? 1 : 0) + (event.hasMemoryThreshold() ? 1 : 0) + (event.hasContainerEmpty() ? 1 : 0);
      if (set != 1) {
        throw ContainerException.invalidArgument("One event per registration, not " + set);
      }
      NotificationHandle h = new NotificationHandle(nextHandle++);
      listeners.put(h, listener);
      if (event.hasContainerEmpty() && listThreads(ListPolicy.RECURSIVE).isEmpty()) {
        listener.onEvent(this, StatusCode.OK, "empty");
      }
      return h;
    }

    @Override
    public void unregisterNotification(NotificationHandle handle) throws ContainerException {
      if (listeners.remove(handle) == null) {
        throw ContainerException.notFound("No notification " + handle.id() + " on " + name);
      }
    }

    @Override
    public void killAll() throws ContainerException {
      killAll(ListPolicy.SELF);
    }

    @Override
    public void killAll(ListPolicy policy) throws ContainerException {
      if (paused) {
        throw ContainerException.failedPrecondition("Container " + name + " is paused");
      }
      listThreads(policy).forEach(threads::remove);
    }

    @Override
    public long initPid() throws ContainerException {
      live();
      return 1;
    }

    @Override
    public String toString() {
      return name;
    }
  }
}

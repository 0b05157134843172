package org.lmctfy.launcher.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
import org.lmctfy.api.proto.CreateRequest;
import org.lmctfy.api.proto.DetectRequest;
import org.lmctfy.api.proto.EnterRequest;
import org.lmctfy.api.proto.EventSpec;
import org.lmctfy.api.proto.InitRequest;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.api.proto.KillAllRequest;
import org.lmctfy.api.proto.ListRequest;
import org.lmctfy.api.proto.NameRequest;
import org.lmctfy.api.proto.NotifyRequest;
import org.lmctfy.api.proto.CancelRequest;
import org.lmctfy.api.proto.Request;
import org.lmctfy.api.proto.Response;
import org.lmctfy.api.proto.RunRequest;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.api.proto.StatsRequest;
import org.lmctfy.api.proto.UpdateRequest;
import org.lmctfy.spi.exec.HelperProcess;
import org.lmctfy.spi.exec.NamespaceType;
import org.lmctfy.spi.exec.Namespaces;

/**
 * ContainerApi as lmctfyd's requests: the same API, served by the daemon's framework, for a client process
 * (this JVM's over the socket; in lmctfyd, a native client's through the daemon's own dispatcher).
 */
public final class RemoteApi implements ContainerApi {
  private final Transport session;
  private final ClientProcess client;

  public RemoteApi(Transport session, ClientProcess client) {
    this.session = session;
    this.client = client;
  }

  /** lmctfy's names: absolute, or relative to the container of this (client) process. */
  String resolve(String name) throws ContainerException {
    if (name != null && name.startsWith("/")) {
      return ContainerName.of(name).toString();
    }
    return ContainerName.resolve(name, ContainerName.of(detect(client.pid()))).toString();
  }

  @Override
  public void initMachine(InitSpec spec) throws ContainerException {
    session.call(Request.newBuilder().setInit(InitRequest.newBuilder().setSpec(spec)));
  }

  @Override
  public Container get(String name) throws ContainerException {
    String n = resolve(name);
    return new RemoteContainer(session.call(Request.newBuilder().setExists(NameRequest.newBuilder().setName(n)))
        .getName());
  }

  @Override
  public Container create(String name, ContainerSpec spec) throws ContainerException {
    String n = resolve(name);
    return new RemoteContainer(session.call(Request.newBuilder().setCreate(
        CreateRequest.newBuilder().setName(n).setSpec(spec))).getName());
  }

  @Override
  public void destroy(Container container) throws ContainerException {
    session.call(Request.newBuilder().setDestroy(NameRequest.newBuilder().setName(container.name())));
  }

  /**
   * The command line's destroy in one request (no existence check of its own: the daemon's answers the same
   * NOT_FOUND): {@code onlyIfEmpty}, its destroy without -f ({@link #destroyIfEmpty}), which a
   * daemon of another version is asked in separate requests.
   */
  public void destroy(String name, boolean onlyIfEmpty) throws ContainerException {
    if (onlyIfEmpty && !session.sameVersion()) {
      destroyIfEmpty(this, name);
      return;
    }
    NameRequest.Builder n = NameRequest.newBuilder().setName(resolve(name));
    session.call(onlyIfEmpty ? Request.newBuilder().setDestroyIfEmpty(n) : Request.newBuilder().setDestroy(n));
  }

  /**
   * lmctfy destroy without -f, on any ContainerApi (the embedded CLI's, lmctfyd's for destroy_if_empty, a
   * remote one): FAILED_PRECONDITION while the container has subcontainers or processes, else destroyed.
   */
  public static void destroyIfEmpty(ContainerApi api, String name) throws ContainerException {
    Container c = api.get(name);
    requireEmpty(c);
    api.destroy(c);
  }

  private static void requireEmpty(Container c) throws ContainerException {
    if (!c.listSubcontainers(ListPolicy.SELF).isEmpty()) {
      throw ContainerException.failedPrecondition("Container " + c.name() + " has subcontainers; use -f");
    }
    if (!c.listThreads(ListPolicy.SELF).isEmpty()) {
      throw ContainerException.failedPrecondition("Container " + c.name() + " has processes; use -f");
    }
  }

  @Override
  public String detect(long tid) throws ContainerException {
    long t = tid == 0 ? client.pid() : tid;
    return session.call(Request.newBuilder().setDetect(DetectRequest.newBuilder().setTid(t))).getName();
  }

  private final class RemoteContainer implements Container {
    private final String name;

    RemoteContainer(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    private NameRequest.Builder named() {
      return NameRequest.newBuilder().setName(name);
    }

    @Override
    public void update(ContainerSpec spec, UpdatePolicy policy) throws ContainerException {
      session.call(Request.newBuilder().setUpdate(UpdateRequest.newBuilder().setName(name).setSpec(spec)
          .setPolicy(policy == UpdatePolicy.REPLACE ? UpdateRequest.Policy.REPLACE : UpdateRequest.Policy.DIFF)));
    }

    @Override
    public void enter(List<Long> tids) throws ContainerException {
      session.call(Request.newBuilder().setEnter(EnterRequest.newBuilder().setName(name).addAllTid(tids)));
    }

    /** One request where the daemon is this code; an older one would ignore the flag, so it is asked first. */
    @Override
    public void enterToExec(List<Long> tids) throws ContainerException {
      if (!session.sameVersion()) {
        Container.super.enterToExec(tids);
        return;
      }
      session.call(Request.newBuilder().setEnter(EnterRequest.newBuilder().setName(name).addAllTid(tids)
          .setToExec(true)));
    }

    /**
     * With the distribution's exec helper: the command starts here, as this user, with this process's
     * environment and working directory (as the embedded API starts it), and the daemon only places the
     * waiting helper into the container (entering one's own process, which the owner fields may grant a
     * non-root user); the command's first instruction runs inside. Without it: the daemon starts the command.
     */
    @Override
    public long run(List<String> command, RunSpec spec) throws ContainerException {
      if (client.hasExecHelper()) {
        HelperProcess.checkCommand(command);
        refusePaused();
        try {
          return client.startHeld(pid -> enter(List.of(pid)), Namespaces.NONE, command,
              spec == null ? RunSpec.getDefaultInstance() : spec).pid();
        } catch (ContainerException e) {
          // A virtual host takes no process from outside its namespaces: the daemon starts it there (root's).
          if (e.code() != StatusCode.FAILED_PRECONDITION || initPid() == 1) {
            throw e;
          }
          if (!client.root()) {
            throw new ContainerException(StatusCode.PERMISSION_DENIED, "Running a command in virtual host " + name
                + " needs root (joining its namespaces needs CAP_SYS_ADMIN)");
          }
        }
      }
      RunRequest.Builder r = RunRequest.newBuilder().setName(name).addAllCommand(command);
      if (spec != null) {
        r.setSpec(spec);
      }
      return session.call(Request.newBuilder().setRun(r)).getPid();
    }

    /**
     * A process placed into a paused container stops before its first instruction: refused at once, as the
     * core refuses it (a pause racing this check is caught by the helper's start deadline).
     */
    private void refusePaused() throws ContainerException {
      java.util.Optional<String> state = pauseState();
      if (state.isPresent()) {
        throw ContainerException.failedPrecondition("Container " + name + " is paused (" + state.get()
            + "): resume it before running a command");
      }
    }

    /**
     * lmctfy's exec: this very process joins the container (every thread, through the daemon), then
     * replaces itself with the command.
     */
    @Override
    public void exec(List<String> command) throws ContainerException {
      if (command == null || command.isEmpty() || !command.get(0).startsWith("/")) {
        throw ContainerException.invalidArgument("exec needs an absolute command path");
      }
      if (!Files.isExecutable(Path.of(command.get(0)))) {
        throw ContainerException.notFound("No executable " + command.get(0));
      }
      List<Long> tids = client.threads();
      try {
        enterToExec(tids); // refused while paused: entering a frozen container would freeze this very process
      } catch (ContainerException e) {
        long init = e.code() == StatusCode.FAILED_PRECONDITION ? initPid() : 1;
        if (init == 1 || pauseState().isPresent()) {
          throw e;
        }
        client.exitWith(runInVirtualHost(init, command));
      }
      client.exec(command);
    }

    /**
     * The foreground run of a virtual host, which admits no process from outside its namespaces: a held helper
     * joins the init's namespaces (every one that differs from this process's, but the user namespace), its
     * child born in the virtual host's pid namespace is placed by the daemon (its owner rules apply), then
     * execs; the client waits and ends with the command's exit status. Joining namespaces needs root.
     */
    private HelperProcess.Started runInVirtualHost(long init, List<String> command) throws ContainerException {
      if (!client.hasExecHelper()) {
        throw ContainerException.unimplemented("A foreground run in virtual host " + name + " through lmctfyd"
            + " needs the distribution's exec helper (libexec/lmctfy-exec): use run -n");
      }
      if (!client.root()) {
        throw new ContainerException(StatusCode.PERMISSION_DENIED, "Running a command in virtual host " + name
            + " needs root (joining its namespaces needs CAP_SYS_ADMIN)");
      }
      java.util.Set<NamespaceType> types = java.util.EnumSet.noneOf(NamespaceType.class);
      for (NamespaceType t : NamespaceType.values()) {
        if (t == NamespaceType.USER) {
          continue;
        }
        try {
          Path theirs = Path.of("/proc", Long.toString(init), "ns", t.kernelName());
          Path mine = Path.of("/proc", Long.toString(client.pid()), "ns", t.kernelName());
          if (Files.exists(theirs) && !Files.readSymbolicLink(theirs).equals(Files.readSymbolicLink(mine))) {
            types.add(t);
          }
        } catch (IOException e) {
          throw ContainerException.notFound("The init " + init + " of virtual host " + name + " is gone: " + e);
        }
      }
      return client.startHeld(pid -> enter(List.of(pid)), Namespaces.joining(init, types), command,
          RunSpec.getDefaultInstance());
    }

    @Override
    public ContainerSpec spec() throws ContainerException {
      return session.call(Request.newBuilder().setSpec(named())).getSpec();
    }

    private Response list(ListRequest.What what, ListPolicy policy) throws ContainerException {
      return session.call(Request.newBuilder().setList(ListRequest.newBuilder().setName(name).setWhat(what)
          .setRecursive(policy == ListPolicy.RECURSIVE)));
    }

    @Override
    public List<Container> listSubcontainers(ListPolicy policy) throws ContainerException {
      List<Container> out = new ArrayList<>();
      for (String n : list(ListRequest.What.CONTAINERS, policy).getNames().getNameList()) {
        out.add(new RemoteContainer(n));
      }
      return out;
    }

    @Override
    public List<Long> listThreads(ListPolicy policy) throws ContainerException {
      return list(ListRequest.What.TIDS, policy).getIds().getIdList();
    }

    @Override
    public List<Long> listProcesses(ListPolicy policy) throws ContainerException {
      return list(ListRequest.What.PIDS, policy).getIds().getIdList();
    }

    @Override
    public void pause() throws ContainerException {
      session.call(Request.newBuilder().setPause(named()));
    }

    @Override
    public void resume() throws ContainerException {
      session.call(Request.newBuilder().setResume(named()));
    }

    @Override
    public ContainerStats stats(StatsType type) throws ContainerException {
      return session.call(Request.newBuilder().setStats(StatsRequest.newBuilder().setName(name)
          .setFull(type == StatsType.FULL))).getStats();
    }

    @Override
    public NotificationHandle registerNotification(EventSpec spec, EventListener listener)
        throws ContainerException {
      if (spec == null || listener == null) {
        throw ContainerException.invalidArgument("registerNotification needs an EventSpec and a listener");
      }
      Response first = session.stream(Request.newBuilder().setNotify(NotifyRequest.newBuilder().setName(name)
          .setSpec(spec)), r -> {
            StatusCode code = StatusCode.forNumber(r.hasEvent() ? r.getEvent().getCode() : r.getCode());
            String detail = r.hasEvent() ? r.getEvent().getDetail() : r.getMessage();
            listener.onEvent(this, code == null ? StatusCode.UNKNOWN : code, detail);
          });
      return new NotificationHandle(first.getId());
    }

    @Override
    public void unregisterNotification(NotificationHandle handle) throws ContainerException {
      session.call(Request.newBuilder().setCancel(CancelRequest.newBuilder().setNotificationId(handle.id())));
      session.endStream(handle.id());
    }

    @Override
    public void killAll() throws ContainerException {
      killAll(ListPolicy.SELF);
    }

    @Override
    public void killAll(ListPolicy policy) throws ContainerException {
      session.call(Request.newBuilder().setKillAll(KillAllRequest.newBuilder().setName(name)
          .setRecursive(policy == ListPolicy.RECURSIVE)));
    }

    @Override
    public long initPid() throws ContainerException {
      return session.call(Request.newBuilder().setInitPid(named())).getPid();
    }

    @Override
    public java.util.Optional<String> pauseState() throws ContainerException {
      String state;
      try {
        state = session.call(Request.newBuilder().setPauseState(named())).getName();
      } catch (ContainerException e) {
        if (e.code() == StatusCode.INVALID_ARGUMENT && e.getMessage().contains("names no call")) {
          return Container.super.pauseState(); // an lmctfyd before this request: from the summary stats
        }
        throw e;
      }
      return state.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(state);
    }
  }
}

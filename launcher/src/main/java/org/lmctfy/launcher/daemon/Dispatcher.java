package org.lmctfy.launcher.daemon;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.NotificationHandle;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.Event;
import org.lmctfy.api.proto.IdList;
import org.lmctfy.api.proto.ListRequest;
import org.lmctfy.api.proto.NameList;
import org.lmctfy.api.proto.Request;
import org.lmctfy.api.proto.Response;
import org.lmctfy.launcher.client.RemoteApi;

/** Serves one request of one connection: authorisation (ARCHITECTURE.md § The daemon, its protocol and the command line), then the API call. */
final class Dispatcher {
  /** The API as it is right now (the core may be swapped while the daemon runs). */
  interface Api {
    ContainerApi api() throws ContainerException;

    List<Descriptor> extensionTypes();
  }

  /** Where a connection's notification events go. */
  interface EventSink {
    void send(Response r);

    /** {@code rs} in order, in one write where the connection can (a command line's last output and its exit). */
    default void sendAll(List<Response> rs) {
      rs.forEach(this::send);
    }
  }

  private final Api source;

  Dispatcher(Api source) {
    this.source = source;
  }

  List<Descriptor> extensionTypes() {
    return source.extensionTypes();
  }

  static Response error(long id, ContainerException e) {
    return Response.newBuilder().setId(id).setCode(e.code().number()).setMessage(e.getMessage()).build();
  }

  /** Serves a request; every failure becomes an error Response with its status code. */
  Response serve(Request req, Peer peer, Map<Long, Registration> registrations, EventSink sink) {
    long id = req.getId();
    try {
      authorize(req, peer);
      return call(req, registrations, sink).setId(id).setCode(0).build();
    } catch (ContainerException e) {
      return error(id, e);
    } catch (RuntimeException e) {
      return error(id, ContainerException.internal("lmctfyd: " + e, e));
    }
  }

  /** A notification registered by a connection. */
  record Registration(Container container, NotificationHandle handle) {}

  private Response.Builder call(Request req, Map<Long, Registration> registrations, EventSink sink)
      throws ContainerException {
    ContainerApi api = source.api();
    Response.Builder out = Response.newBuilder();
    switch (req.getCallCase()) {
      case INIT -> api.initMachine(req.getInit().getSpec());
      case CREATE -> out.setName(api.create(absolute(req.getCreate().getName()), req.getCreate().getSpec()).name());
      case DESTROY -> api.destroy(api.get(absolute(req.getDestroy().getName())));
      case DESTROY_IF_EMPTY -> RemoteApi.destroyIfEmpty(api, absolute(req.getDestroyIfEmpty().getName()));
      case DETECT -> {
        if (req.getDetect().getTid() <= 0) {
          throw ContainerException.invalidArgument("detect needs a thread id > 0 (the client's own, not 0)");
        }
        out.setName(api.detect(req.getDetect().getTid()));
      }
      case EXISTS -> out.setName(api.get(absolute(req.getExists().getName())).name());
      case UPDATE -> api.get(absolute(req.getUpdate().getName())).update(req.getUpdate().getSpec(),
          req.getUpdate().getPolicy() == org.lmctfy.api.proto.UpdateRequest.Policy.REPLACE ? UpdatePolicy.REPLACE
              : UpdatePolicy.DIFF);
      case ENTER -> {
        Container c = api.get(absolute(req.getEnter().getName()));
        if (req.getEnter().getToExec()) {
          c.enterToExec(req.getEnter().getTidList());
        } else {
          c.enter(req.getEnter().getTidList());
        }
      }
      case RUN -> out.setPid(api.get(absolute(req.getRun().getName())).run(req.getRun().getCommandList(),
          req.getRun().getSpec()));
      case SPEC -> out.setSpec(api.get(absolute(req.getSpec().getName())).spec());
      case INIT_PID -> out.setPid(api.get(absolute(req.getInitPid().getName())).initPid());
      case PAUSE_STATE -> out.setName(api.get(absolute(req.getPauseState().getName())).pauseState().orElse(""));
      case LIST -> {
        ListRequest l = req.getList();
        Container c = api.get(absolute(l.getName()));
        ListPolicy p = l.getRecursive() ? ListPolicy.RECURSIVE : ListPolicy.SELF;
        switch (l.getWhat()) {
          case CONTAINERS -> {
            NameList.Builder names = NameList.newBuilder();
            for (Container sub : c.listSubcontainers(p)) {
              names.addName(sub.name());
            }
            out.setNames(names);
          }
          case PIDS -> out.setIds(IdList.newBuilder().addAllId(c.listProcesses(p)));
          case TIDS -> out.setIds(IdList.newBuilder().addAllId(c.listThreads(p)));
        }
      }
      case PAUSE -> api.get(absolute(req.getPause().getName())).pause();
      case RESUME -> api.get(absolute(req.getResume().getName())).resume();
      case STATS -> out.setStats(api.get(absolute(req.getStats().getName())).stats(
          req.getStats().getFull() ? StatsType.FULL : StatsType.SUMMARY));
      case KILL_ALL -> api.get(absolute(req.getKillAll().getName())).killAll(
          req.getKillAll().getRecursive() ? ListPolicy.RECURSIVE : ListPolicy.SELF);
      case NOTIFY -> {
        long id = req.getId();
        if (registrations.containsKey(id)) {
          throw ContainerException.invalidArgument("request id " + id + " already names a notification");
        }
        Container c = api.get(absolute(req.getNotify().getName()));
        NotificationHandle h = c.registerNotification(req.getNotify().getSpec(), (container, status, detail) -> {
          Event.Builder e = Event.newBuilder().setContainer(container.name()).setCode(status.number());
          if (detail != null) {
            e.setDetail(detail);
          }
          sink.send(Response.newBuilder().setId(id).setCode(0).setEvent(e).build());
        });
        registrations.put(id, new Registration(c, h));
      }
      case CANCEL -> {
        Registration r = registrations.remove(req.getCancel().getNotificationId());
        if (r == null) {
          throw ContainerException.notFound("No notification " + req.getCancel().getNotificationId()
              + " on this connection");
        }
        r.container().unregisterNotification(r.handle());
      }
      case TYPES -> out.setTypes(types(source.extensionTypes()));
      case CLI -> throw ContainerException.invalidArgument("A command line is served on a connection of its own,"
          + " not inside another");
      case CLI_REPLY -> throw ContainerException.invalidArgument("No command line of this connection waits for a"
          + " reply");
      case CALL_NOT_SET -> throw ContainerException.invalidArgument("The request names no call (unknown to this"
          + " lmctfyd version?)");
    }
    return out;
  }

  private static String absolute(String name) throws ContainerException {
    if (!name.startsWith("/")) {
      throw ContainerException.invalidArgument("lmctfyd needs absolute container names; the client resolves "
          + "relative ones (got \"" + name + "\")");
    }
    return ContainerName.of(name).toString();
  }

  /** Every file defining an extension type, dependencies first. */
  static FileDescriptorSet types(List<Descriptor> types) {
    Map<String, FileDescriptor> files = new LinkedHashMap<>();
    for (Descriptor d : types) {
      addFile(d.getFile(), files);
    }
    FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
    files.values().forEach(f -> set.addFile(f.toProto()));
    return set.build();
  }

  private static void addFile(FileDescriptor f, Map<String, FileDescriptor> files) {
    if (files.containsKey(f.getName())) {
      return;
    }
    for (FileDescriptor dep : f.getDependencies()) {
      addFile(dep, files);
    }
    files.put(f.getName(), f);
  }

  // ------------------------------------------------------------------------------------------ authorisation

  /**
   * Root may do anything. Another uid: a container is its when its spec, or an ancestor's, names it as
   * {@code owner} (or its gid as {@code owner_group}); it may create children of such a container, act on
   * it, enter its own processes into it (from outside any container or from another of its containers),
   * detect its own processes, and read the extension types.
   * {@code run} is refused to others: the daemon would start the command as root.
   */
  void authorize(Request req, Peer peer) throws ContainerException {
    if (peer.root()) {
      return;
    }
    switch (req.getCallCase()) {
      case TYPES, CANCEL, CLI, CLI_REPLY -> {
        return; // a command line's calls are each authorised as they are made
      }
      case INIT -> throw denied(peer, "init the machine");
      case DETECT -> {
        requireOwnProcess(peer, req.getDetect().getTid());
        return;
      }
      case CREATE -> requireOwner(peer, ContainerName.of(absolute(req.getCreate().getName())).parent(), "create in");
      case RUN -> throw denied(peer, "have lmctfyd start commands (it would start them as root); start your own"
          + " and have it entered instead (lmctfy run does, with or without -n)");
      case ENTER -> {
        requireOwner(peer, ContainerName.of(absolute(req.getEnter().getName())), "enter");
        for (long tid : req.getEnter().getTidList()) {
          requireOwnProcess(peer, tid);
          // Out of a container only if it is the caller's too: a process root confined must stay confined.
          ContainerName from = ContainerName.of(source.api().detect(tid));
          if (!from.isRoot()) {
            requireOwner(peer, from, "move process " + tid + " out of");
          }
        }
      }
      default -> requireOwner(peer, ContainerName.of(absolute(nameOf(req))), switch (req.getCallCase()) {
        case EXISTS, SPEC, LIST, STATS, NOTIFY, INIT_PID, PAUSE_STATE -> "see";
        case KILL_ALL -> "kill the processes of";
        case DESTROY_IF_EMPTY -> "destroy";
        default -> req.getCallCase().name().toLowerCase();
      });
    }
  }

  private static String nameOf(Request req) {
    return switch (req.getCallCase()) {
      case DESTROY -> req.getDestroy().getName();
      case DESTROY_IF_EMPTY -> req.getDestroyIfEmpty().getName();
      case EXISTS -> req.getExists().getName();
      case UPDATE -> req.getUpdate().getName();
      case SPEC -> req.getSpec().getName();
      case INIT_PID -> req.getInitPid().getName();
      case PAUSE_STATE -> req.getPauseState().getName();
      case LIST -> req.getList().getName();
      case PAUSE -> req.getPause().getName();
      case RESUME -> req.getResume().getName();
      case STATS -> req.getStats().getName();
      case KILL_ALL -> req.getKillAll().getName();
      case NOTIFY -> req.getNotify().getName();
      default -> "/";
    };
  }

  private void requireOwner(Peer peer, ContainerName name, String what) throws ContainerException {
    ContainerApi api = source.api();
    for (ContainerName n = name; !n.isRoot(); n = n.parent()) {
      ContainerSpec spec;
      try {
        spec = api.get(n.toString()).spec();
      } catch (ContainerException e) {
        if (e.code() == StatusCode.NOT_FOUND) {
          continue;
        }
        throw e;
      }
      if ((spec.hasOwner() && spec.getOwner() == peer.uid())
          || (spec.hasOwnerGroup() && spec.getOwnerGroup() == peer.gid())) {
        return;
      }
    }
    throw denied(peer, what + " container " + name + " (no owner or owner_group of it or of an ancestor grants it)");
  }

  private static void requireOwnProcess(Peer peer, long tid) throws ContainerException {
    Object uid;
    try {
      uid = Files.getAttribute(Path.of("/proc", Long.toString(tid)), "unix:uid");
    } catch (IOException | IllegalArgumentException e) {
      throw ContainerException.notFound("No process or thread " + tid);
    }
    if (((Number) uid).longValue() != peer.uid()) {
      throw denied(peer, "act on process " + tid + " of another user");
    }
  }

  private static ContainerException denied(Peer peer, String what) {
    return new ContainerException(StatusCode.PERMISSION_DENIED, "uid " + peer.uid() + " may not " + what);
  }

  /** Unregisters a closed connection's notifications. */
  static void cancelAll(Map<Long, Registration> registrations) {
    List<Registration> all = new ArrayList<>(registrations.values());
    registrations.clear();
    Set<NotificationHandle> done = new HashSet<>();
    for (Registration r : all) {
      if (done.add(r.handle())) {
        try {
          r.container().unregisterNotification(r.handle());
        } catch (ContainerException e) {
          // the container is gone, and the registration with it
        }
      }
    }
  }
}

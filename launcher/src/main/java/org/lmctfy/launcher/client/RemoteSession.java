package org.lmctfy.launcher.client;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.Request;
import org.lmctfy.api.proto.Response;
import org.lmctfy.api.proto.TypesRequest;
import org.lmctfy.launcher.daemon.Frames;
import org.lmctfy.launcher.runtime.Session;

/** A connection to lmctfyd: requests by id, responses routed back by id (notifications stream). */
public final class RemoteSession implements Session, Transport {
  private final SocketChannel ch;
  private final Path socket;
  private final OutputStream out;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<Response>> pending = new ConcurrentHashMap<>();
  private final Map<Long, Consumer<Response>> streams = new ConcurrentHashMap<>();
  private final Thread reader;
  private volatile IOException broken;
  private final RemoteApi api;
  private List<Descriptor> types;

  private RemoteSession(SocketChannel ch, Path socket, Path execHelper) {
    this.ch = ch;
    this.socket = socket;
    this.out = new BufferedOutputStream(Frames.output(ch), 8192);
    this.api = new RemoteApi(this, new LocalProcess(execHelper));
    this.reader = new Thread(this::readLoop, "lmctfy-client-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Connects when a daemon answers on {@code socket}; empty when there is no socket or nobody answers (a
   * stale socket), so the caller runs embedded.
   *
   * @param execHelper the distribution's {@code libexec/lmctfy-exec}: {@code run} starts commands with it, as
   *     this user, and has the daemon place them; null: the daemon starts them (root only)
   * @throws ContainerException PERMISSION_DENIED when the socket exists but this user may not connect
   */
  public static java.util.Optional<RemoteSession> connect(Path socket, Path execHelper) throws ContainerException {
    if (!Files.exists(socket)) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(new RemoteSession(SocketChannel.open(UnixDomainSocketAddress.of(socket)), socket,
          execHelper));
    } catch (IOException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("Permission denied")) {
        throw new ContainerException(StatusCode.PERMISSION_DENIED, "Cannot connect to lmctfyd at " + socket
            + ": permission denied (the socket's group grants access)");
      }
      return java.util.Optional.empty();
    }
  }

  public Path socket() {
    return socket;
  }

  @Override
  public ContainerApi api() {
    return api;
  }

  @Override
  public synchronized List<Descriptor> extensionTypes() throws ContainerException {
    if (types == null) {
      Response r = call(Request.newBuilder().setTypes(TypesRequest.getDefaultInstance()));
      Map<String, FileDescriptor> built = new HashMap<>();
      List<Descriptor> out = new ArrayList<>();
      for (FileDescriptorProto f : r.getTypes().getFileList()) {
        try {
          FileDescriptor known = knownFile(f.getName());
          FileDescriptor fd = known != null ? known : FileDescriptor.buildFrom(f,
              f.getDependencyList().stream().map(d -> built.containsKey(d) ? built.get(d) : knownFile(d))
                  .filter(java.util.Objects::nonNull).toArray(FileDescriptor[]::new));
          built.put(f.getName(), fd);
          out.addAll(fd.getMessageTypes());
        } catch (DescriptorValidationException e) {
          throw ContainerException.internal("lmctfyd sent an invalid type " + f.getName() + ": " + e.getMessage(), e);
        }
      }
      types = out;
    }
    return types;
  }

  /** Files this client already has compiled in (protobuf's own and lmctfy's). */
  private static FileDescriptor knownFile(String name) {
    return switch (name) {
      case "google/protobuf/any.proto" -> com.google.protobuf.AnyProto.getDescriptor();
      case "google/protobuf/descriptor.proto" -> com.google.protobuf.DescriptorProtos.getDescriptor();
      case "google/protobuf/wrappers.proto" -> com.google.protobuf.WrappersProto.getDescriptor();
      case "google/protobuf/duration.proto" -> com.google.protobuf.DurationProto.getDescriptor();
      case "google/protobuf/timestamp.proto" -> com.google.protobuf.TimestampProto.getDescriptor();
      case "google/protobuf/empty.proto" -> com.google.protobuf.EmptyProto.getDescriptor();
      case "lmctfy.proto" -> org.lmctfy.api.proto.LmctfyProto.getDescriptor();
      default -> null;
    };
  }

  @Override
  public Response call(Request.Builder req) throws ContainerException {
    return exchange(req, null);
  }

  @Override
  public Response stream(Request.Builder req, Consumer<Response> events) throws ContainerException {
    return exchange(req, events);
  }

  private Response exchange(Request.Builder req, Consumer<Response> events) throws ContainerException {
    long id = ids.incrementAndGet();
    CompletableFuture<Response> f = new CompletableFuture<>();
    pending.put(id, f);
    if (events != null) {
      streams.put(id, events);
    }
    try {
      send(req.setId(id).build());
      return Transport.check(f.get());
    } catch (ContainerException e) {
      streams.remove(id);
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      streams.remove(id);
      throw new ContainerException(StatusCode.CANCELLED, "interrupted while waiting for lmctfyd");
    } catch (ExecutionException e) {
      streams.remove(id);
      throw new ContainerException(StatusCode.UNAVAILABLE, "lmctfyd at " + socket + " went away: "
          + e.getCause().getMessage());
    }
  }

  @Override
  public void endStream(long id) {
    streams.remove(id);
  }

  private void send(Request r) throws ContainerException {
    synchronized (out) {
      try {
        if (broken != null) {
          throw broken;
        }
        Frames.write(out, r);
      } catch (IOException e) {
        pending.remove(r.getId());
        throw new ContainerException(StatusCode.UNAVAILABLE, "Cannot talk to lmctfyd at " + socket + ": " + e);
      }
    }
  }

  private void readLoop() {
    try {
      InputStream in = new BufferedInputStream(Frames.input(ch), 8192);
      Frames.Progress none = Frames.Progress.NONE;
      while (true) {
        byte[] frame = Frames.read(in, none);
        if (frame == null) {
          throw new IOException("connection closed by lmctfyd");
        }
        Response r;
        try {
          r = Response.parseFrom(frame);
        } catch (InvalidProtocolBufferException e) {
          throw new IOException("undecodable response: " + e.getMessage());
        }
        Consumer<Response> stream = streams.get(r.getId());
        CompletableFuture<Response> f;
        if (r.hasEvent() && stream != null) {
          stream.accept(r); // an event may overtake the registration's own answer
        } else if ((f = pending.remove(r.getId())) != null) {
          f.complete(r);
        } else if (r.getId() == 0 && r.getCode() != 0) {
          throw new IOException(StatusCode.forNumber(r.getCode()) + ": " + r.getMessage());
        }
      }
    } catch (IOException e) {
      broken = e;
      pending.values().forEach(f -> f.completeExceptionally(e));
      pending.clear();
      for (Map.Entry<Long, Consumer<Response>> s : streams.entrySet()) {
        s.getValue().accept(Response.newBuilder().setId(s.getKey()).setCode(StatusCode.UNAVAILABLE.number())
            .setMessage("lmctfyd went away: " + e.getMessage()).build());
      }
      streams.clear();
    }
  }

  @Override
  public void close() {
    try {
      ch.close();
    } catch (IOException e) {
      // closed anyway
    }
  }
}

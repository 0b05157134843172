package org.lmctfy.launcher.daemon;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.Request;
import org.lmctfy.api.proto.Response;
import org.lmctfy.launcher.client.Transport;

/**
 * The protocol's requests of a command line that lmctfyd runs for a client, served by the daemon's own
 * dispatcher in this thread, each authorised for the client's peer credentials exactly as if the client had
 * sent it over the socket.
 */
final class LoopbackTransport implements Transport {
  private final Dispatcher dispatcher;
  private final Peer peer;
  private final AtomicLong ids = new AtomicLong();
  /** The command's notifications, cancelled when it ends (as a closed connection's). */
  final Map<Long, Dispatcher.Registration> registrations = new ConcurrentHashMap<>();
  private final Map<Long, Consumer<Response>> streams = new ConcurrentHashMap<>();

  LoopbackTransport(Dispatcher dispatcher, Peer peer) {
    this.dispatcher = dispatcher;
    this.peer = peer;
  }

  @Override
  public Response call(Request.Builder req) throws ContainerException {
    return Transport.check(dispatcher.serve(req.setId(ids.incrementAndGet()).build(), peer, registrations, this::event));
  }

  @Override
  public Response stream(Request.Builder req, Consumer<Response> events) throws ContainerException {
    long id = ids.incrementAndGet();
    streams.put(id, events);
    try {
      return Transport.check(dispatcher.serve(req.setId(id).build(), peer, registrations, this::event));
    } catch (ContainerException e) {
      streams.remove(id);
      throw e;
    }
  }

  private void event(Response r) {
    Consumer<Response> c = streams.get(r.getId());
    if (c != null) {
      c.accept(r);
    }
  }

  @Override
  public boolean sameVersion() {
    return true;
  }

  @Override
  public void endStream(long id) {
    streams.remove(id);
  }

  /** Ends every notification the command registered. */
  void close() {
    streams.clear();
    Dispatcher.cancelAll(registrations);
  }
}

package org.lmctfy.launcher.daemon;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.Request;
import org.lmctfy.api.proto.Response;

/**
 * lmctfyd's Unix-socket server: one thread per connection (bounded), requests served in order per
 * connection, notifications streamed on the same connection. One daemon per socket: a lock file beside the
 * socket is held for the daemon's life; a socket file left by a crashed daemon is replaced.
 */
public final class DaemonServer implements AutoCloseable {
  static final Logger LOG = Logger.getLogger("lmctfyd");
  /** A frame whose bytes stop arriving for this long closes its connection. */
  static final long SLOW_FRAME_MS = 10_000;
  static final int MAX_CONNECTIONS = 256;
  /** Serving threads kept waiting while no connection arrives. */
  static final int SPARE_SERVERS = 2;

  private final Path socket;
  private final Dispatcher dispatcher;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final ServerSocketChannel server;
  private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "lmctfyd-connection");
    t.setDaemon(true);
    return t;
  });
  private final ScheduledExecutorService reaper = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "lmctfyd-reaper");
    t.setDaemon(true);
    return t;
  });
  private final Set<Connection> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean closing;
  private final boolean wakeOne;
  /** Wake-one serving, or null: then {@link #acceptor} accepts. */
  private ExclusiveAccept exclusive;
  private Thread acceptor;
  /** Serving threads waiting for a connection. */
  private final AtomicInteger idle = new AtomicInteger();

  /**
   * Binds the socket (mode {@code mode}, group {@code group} when given).
   *
   * @throws ContainerException ALREADY_EXISTS when another lmctfyd serves this socket
   */
  public DaemonServer(Path socket, String mode, String group, Dispatcher.Api api) throws ContainerException {
    this(socket, mode, group, api, true);
  }

  /** {@code wakeOne}: serve by {@link ExclusiveAccept} where it can be had (false: the JDK's way; for tests). */
  DaemonServer(Path socket, String mode, String group, Dispatcher.Api api, boolean wakeOne)
      throws ContainerException {
    this.wakeOne = wakeOne;
    this.socket = socket.toAbsolutePath();
    this.dispatcher = new Dispatcher(api);
    Path lockFile = this.socket.resolveSibling(this.socket.getFileName() + ".lock");
    try {
      Files.createDirectories(this.socket.getParent());
      lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      lock = lockChannel.tryLock();
    } catch (IOException e) {
      throw new ContainerException(StatusCode.FAILED_PRECONDITION, "Cannot lock " + lockFile + ": " + e.getMessage());
    }
    if (lock == null) {
      closeQuietly(lockChannel);
      throw new ContainerException(StatusCode.ALREADY_EXISTS, "Another lmctfyd is already serving " + this.socket
          + " (it holds " + lockFile + ")");
    }
    try {
      if (Files.exists(this.socket)) {
        // We hold the lock, so no live daemon owns it: a crashed one left it behind.
        if (answers(this.socket)) {
          throw new ContainerException(StatusCode.ALREADY_EXISTS, "Something else answers on " + this.socket);
        }
        LOG.info("removing the stale socket " + this.socket + " of a daemon that is gone");
        Files.delete(this.socket);
      }
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(this.socket), 64);
      Files.setPosixFilePermissions(this.socket, PosixFilePermissions.fromString(permissions(mode)));
      if (group != null && !group.isBlank()) {
        Files.setAttribute(this.socket, "posix:group", this.socket.getFileSystem().getUserPrincipalLookupService()
            .lookupPrincipalByGroupName(group.strip()));
      }
    } catch (ContainerException e) {
      release();
      throw e;
    } catch (IOException | RuntimeException e) {
      release();
      throw new ContainerException(StatusCode.FAILED_PRECONDITION, "Cannot serve on " + this.socket + ": " + e);
    }
  }

  static String permissions(String octal) throws ContainerException {
    int m;
    try {
      m = Integer.parseInt(octal.strip(), 8);
    } catch (NumberFormatException e) {
      throw ContainerException.invalidArgument("socket.mode must be octal (e.g. 0660), not " + octal);
    }
    StringBuilder s = new StringBuilder();
    for (int shift = 6; shift >= 0; shift -= 3) {
      int bits = (m >> shift) & 7;
      s.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
    }
    return s.toString();
  }

  /** Whether a daemon answers on this socket right now. */
  public static boolean answers(Path socket) {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  public Path socket() {
    return socket;
  }

  /**
   * Starts serving in the background: by threads that each wait for a connection and serve it themselves
   * ({@link ExclusiveAccept}), or, where that cannot be had, by an acceptor thread handing each connection to a
   * worker.
   */
  public void start() {
    reaper.scheduleWithFixedDelay(this::reapSlowFrames, 1, 1, TimeUnit.SECONDS);
    exclusive = wakeOne ? ExclusiveAccept.open(server).orElse(null) : null;
    if (exclusive != null) {
      addServer();
      return;
    }
    acceptor = new Thread(this::acceptLoop, "lmctfyd-accept");
    acceptor.start();
  }

  /** Whether each connection is served by the thread its arrival woke (false: the JDK's accept and a hand-off). */
  boolean servesWhereWoken() {
    return exclusive != null;
  }

  private void addServer() {
    idle.incrementAndGet();
    try {
      connections.execute(this::serveConnections);
    } catch (RejectedExecutionException e) {
      idle.decrementAndGet(); // shutting down
    }
  }

  /**
   * One serving thread: waits (wake-one) for a connection and serves it. It counts as idle while it waits;
   * the last idle one to take a connection first starts another, so one always waits while others serve
   * (a notification stream, a client's question); one that finds {@link #SPARE_SERVERS} others waiting when
   * it is done ends.
   */
  private void serveConnections() {
    ExclusiveAccept.Waiter w;
    while ((w = exclusive.waiter()) == null) {
      if (closing) {
        idle.decrementAndGet();
        return;
      }
      LOG.warning("cannot make an epoll set to wait for connections (out of descriptors?); trying again");
      sleepQuietly(100);
    }
    try (ExclusiveAccept.Waiter waiter = w) {
      while (!closing && waiter.await()) {
        SocketChannel ch;
        try {
          ch = server.accept(); // non-blocking: null when another thread took it
        } catch (IOException e) {
          if (closing) {
            break;
          }
          LOG.log(Level.WARNING, "accept failed", e);
          sleepQuietly(100); // e.g. out of file descriptors: try again, without spinning
          continue;
        }
        if (ch == null) {
          continue;
        }
        if (idle.decrementAndGet() == 0) {
          addServer();
        }
        serve(ch);
        if (!rejoin()) {
          return;
        }
      }
      idle.decrementAndGet();
    }
  }

  /** Counts this thread idle again unless enough others are. */
  private boolean rejoin() {
    while (true) {
      int n = idle.get();
      if (n >= SPARE_SERVERS || closing) {
        return false;
      }
      if (idle.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void acceptLoop() {
    while (!closing) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        if (!closing) {
          LOG.log(Level.WARNING, "accept failed", e);
        }
        return;
      }
      if (open.size() >= MAX_CONNECTIONS) {
        refuse(ch);
        continue;
      }
      Connection c = new Connection(ch);
      open.add(c);
      connections.execute(c);
    }
  }

  private void serve(SocketChannel ch) {
    if (open.size() >= MAX_CONNECTIONS) {
      refuse(ch);
      return;
    }
    try {
      ch.configureBlocking(true); // as accepted (the listening socket is non-blocking): reads wait
    } catch (IOException e) {
      closeQuietly(ch);
      return;
    }
    Connection c = new Connection(ch);
    open.add(c);
    c.run();
  }

  private static void refuse(SocketChannel ch) {
    try (SocketChannel c = ch) {
      Frames.write(Frames.output(c), Dispatcher.error(0, new ContainerException(StatusCode.RESOURCE_EXHAUSTED,
          "lmctfyd serves at most " + MAX_CONNECTIONS + " connections at once")));
    } catch (IOException e) {
      // the client went away
    }
  }

  private void reapSlowFrames() {
    long now = System.nanoTime();
    for (Connection c : open) {
      long started = c.frameStarted;
      if (started != 0 && now - started > SLOW_FRAME_MS * 1_000_000L) {
        LOG.warning("closing a connection whose frame did not complete in " + SLOW_FRAME_MS + " ms");
        c.close();
      }
    }
  }

  /** One client. */
  private final class Connection implements Runnable, Frames.Progress, Dispatcher.EventSink {
    private final SocketChannel ch;
    private final OutputStream out;
    private final Map<Long, Dispatcher.Registration> registrations = new ConcurrentHashMap<>();
    volatile long frameStarted;

    Connection(SocketChannel ch) {
      this.ch = ch;
      this.out = new BufferedOutputStream(Frames.output(ch), 8192);
    }

    @Override
    public void frameStarted() {
      frameStarted = System.nanoTime();
    }

    @Override
    public void frameDone() {
      frameStarted = 0;
    }

    @Override
    public void send(Response r) {
      sendAll(List.of(r));
    }

    @Override
    public void sendAll(List<Response> rs) {
      synchronized (out) {
        try {
          for (Response r : rs) {
            r.writeDelimitedTo(out);
          }
          out.flush();
        } catch (IOException e) {
          close();
        }
      }
    }

    @Override
    public void run() {
      try {
        Peer peer = Peer.of(ch);
        InputStream in = new BufferedInputStream(Frames.input(ch), 8192);
        while (!closing) {
          Request req;
          try {
            req = Frames.readRequest(in, this);
          } catch (ContainerException e) {
            send(Dispatcher.error(0, e));
            return;
          }
          if (req == null) {
            return;
          }
          inFlight.incrementAndGet();
          try {
            if (closing) {
              send(Dispatcher.error(req.getId(), ContainerException.unavailable("lmctfyd is shutting down")));
              return;
            }
            if (req.hasCli()) {
              // A native client's command line: this connection serves it alone, then closes.
              ClientCommand.serve(req, peer, in, this, dispatcher, this, connections);
              return;
            }
            send(dispatcher.serve(req, peer, registrations, this::send));
          } finally {
            inFlight.decrementAndGet();
          }
        }
      } catch (IOException e) {
        // the client closed the connection, or it was closed for it
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "connection failed", e);
      } finally {
        close();
      }
    }

    void close() {
      open.remove(this);
      Dispatcher.cancelAll(registrations);
      closeQuietly(ch);
    }
  }

  /**
   * Graceful stop: no new connections or requests; requests being served finish (bounded); connections
   * close; the socket file goes away.
   */
  @Override
  public void close() {
    closing = true;
    if (exclusive != null) {
      exclusive.close(); // before the socket, whose descriptor number may then be reused
    }
    closeQuietly(server);
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      LOG.warning("cannot remove " + socket + ": " + e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (Connection c : open) {
      c.close();
    }
    reaper.shutdownNow();
    connections.shutdownNow();
    if (acceptor != null) {
      try {
        acceptor.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    release();
  }

  private void release() {
    try {
      lock.release();
    } catch (IOException e) {
      // closing the channel releases it too
    }
    closeQuietly(lockChannel);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      if (c != null) {
        c.close();
      }
    } catch (Exception e) {
      // nothing left to do
    }
  }
}

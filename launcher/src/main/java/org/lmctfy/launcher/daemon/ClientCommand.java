package org.lmctfy.launcher.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.stream.Stream;
import com.google.protobuf.ByteString;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.CliEvent;
import org.lmctfy.api.proto.CliReply;
import org.lmctfy.api.proto.CliRequest;
import org.lmctfy.api.proto.HeldStart;
import org.lmctfy.api.proto.Request;
import org.lmctfy.api.proto.Response;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.api.proto.StringList;
import org.lmctfy.launcher.cli.Main;
import org.lmctfy.launcher.client.ClientProcess;
import org.lmctfy.launcher.client.RemoteApi;
import org.lmctfy.launcher.runtime.Session;
import org.lmctfy.spi.exec.HelperProcess;
import org.lmctfy.spi.exec.NamespaceType;
import org.lmctfy.spi.exec.Namespaces;

/**
 * A whole command line run by lmctfyd for a native client (lmctfyd.proto, CliRequest): the Java CLI's own
 * picocli commands parse and print; their API calls go through the dispatcher as the client's peer
 * credentials allow ({@link LoopbackTransport}); what needs the client's own process (a spec file, its
 * stdin, starting or becoming the command) is asked of the client with a CliEvent and answered with a
 * CliReply. The connection carries this command only.
 */
final class ClientCommand implements ClientProcess {
  /** Bounds a client's answer (it reads a file, or starts the exec helper, which has its own bound). */
  static final long REPLY_TIMEOUT_MS = HelperProcess.START_TIMEOUT_MS + 5_000;
  static final int MAX_ARGS = 4096;

  private final long id;
  private final CliRequest request;
  private final Peer peer;
  private final Dispatcher.EventSink send;
  private final BlockingQueue<CliReply> replies = new LinkedBlockingQueue<>();
  private final List<Runnable> onGone = new ArrayList<>();
  private volatile boolean gone;
  private static final CliReply GONE = CliReply.getDefaultInstance();
  /** Starts the reader of the client's replies, once (see {@link #startReader}). */
  private final Runnable reader;
  private final java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean();
  /**
   * The events of the command's end, once it returned: its last output and its exit go to the client in one
   * write (one wake-up of the client, one read), not one each.
   */
  private List<Response> ending;

  private ClientCommand(long id, CliRequest request, Peer peer, Dispatcher.EventSink send, InputStream in,
      Frames.Progress progress, Executor readers) {
    this.id = id;
    this.request = request;
    this.peer = peer;
    this.send = send;
    this.reader = () -> readers.execute(() -> readReplies(in, progress));
  }

  /**
   * The connection's further frames are read only once the command asks the client something or wants to
   * know when it goes away: most commands do neither, and a thread woken for every command line (then
   * signalled out of its read when the connection closes) cost them about a tenth of their time. A client
   * that sends anything else meanwhile is answered when the reader starts, or not at all if none does.
   */
  private void startReader() {
    if (reading.compareAndSet(false, true)) {
      reader.run();
    }
  }

  /**
   * Runs {@code req} (a cli request) to its end. {@code in} is the connection's: its further frames are the
   * client's replies, read by a thread of {@code readers}.
   */
  static void serve(Request req, Peer peer, InputStream in, Frames.Progress progress, Dispatcher dispatcher,
      Dispatcher.EventSink send, Executor readers) {
    CliRequest cli = req.getCli();
    try {
      validate(cli);
    } catch (ContainerException e) {
      send.send(Dispatcher.error(req.getId(), e));
      return;
    }
    ClientCommand c = new ClientCommand(req.getId(), cli, peer, send, in, progress, readers);
    LoopbackTransport transport = new LoopbackTransport(dispatcher, peer);
    RemoteApi api = new RemoteApi(transport, c);
    Session session = new Session() {
      @Override
      public ContainerApi api() {
        return api;
      }

      @Override
      public List<com.google.protobuf.Descriptors.Descriptor> extensionTypes() {
        return dispatcher.extensionTypes();
      }

      @Override
      public void close() {}
    };
    try (PrintWriter out = new PrintWriter(c.stream(true)); PrintWriter err = new PrintWriter(c.stream(false))) {
      int code = Main.runFor(cli.getArgList().toArray(new String[0]), out, err, c, session);
      synchronized (c) {
        c.ending = new ArrayList<>();
      }
      out.flush();
      err.flush();
      if (code >= 0) {
        c.event(CliEvent.newBuilder().setExit(code));
      }
      List<Response> last;
      synchronized (c) {
        last = c.ending;
        c.ending = null;
      }
      send.sendAll(last);
    } catch (RuntimeException e) {
      DaemonServer.LOG.log(Level.WARNING, "a client's command line failed", e);
      send.send(Dispatcher.error(req.getId(), ContainerException.internal("lmctfyd: " + e, e)));
    } finally {
      transport.close();
    }
  }

  static void validate(CliRequest cli) throws ContainerException {
    if (cli.getPid() <= 0) {
      throw ContainerException.invalidArgument("lmctfyd: a command line needs the client's pid (> 0)");
    }
    if (cli.getArgCount() > MAX_ARGS) {
      throw ContainerException.invalidArgument("lmctfyd: a command line of " + cli.getArgCount()
          + " arguments (at most " + MAX_ARGS + ")");
    }
  }

  /** The client's replies; anything else, or the end of the connection, means it is gone. */
  private void readReplies(InputStream in, Frames.Progress progress) {
    try {
      while (true) {
        Request r = Frames.readRequest(in, progress);
        if (r == null) {
          break;
        }
        if (!r.hasCliReply() || r.getId() != id) {
          send.send(Dispatcher.error(r.getId(), ContainerException.invalidArgument("lmctfyd: only replies to"
              + " command line " + id + " may follow it on this connection")));
          break;
        }
        replies.add(r.getCliReply());
      }
    } catch (ContainerException e) {
      send.send(Dispatcher.error(0, e));
    } catch (IOException | RuntimeException e) {
      // closed
    }
    List<Runnable> hooks;
    synchronized (onGone) {
      gone = true;
      hooks = List.copyOf(onGone);
    }
    replies.add(GONE);
    hooks.forEach(Runnable::run);
  }

  private void event(CliEvent.Builder e) {
    Response r = Response.newBuilder().setId(id).setCode(0).setCli(e).build();
    synchronized (this) {
      if (ending != null) {
        ending.add(r);
        return;
      }
    }
    send.send(r);
  }

  /** The client's answer to the event just sent. */
  private CliReply ask(CliEvent.Builder e, String what) throws ContainerException {
    startReader();
    event(e);
    CliReply r;
    try {
      r = replies.poll(REPLY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new ContainerException(StatusCode.CANCELLED, "interrupted while waiting for the client to " + what);
    }
    if (r == null) {
      throw new ContainerException(StatusCode.DEADLINE_EXCEEDED, "The client did not " + what + " in "
          + REPLY_TIMEOUT_MS + " ms");
    }
    if (r == GONE) {
      replies.add(GONE);
      throw new ContainerException(StatusCode.CANCELLED, "The client went away before it could " + what);
    }
    return r;
  }

  /** stdout or stderr of the client: each flush is one event. */
  private Writer stream(boolean stdout) {
    return new Writer() {
      private final StringBuilder buf = new StringBuilder();

      @Override
      public void write(char[] cbuf, int off, int len) {
        buf.append(cbuf, off, len);
      }

      @Override
      public void flush() {
        if (buf.length() > 0) {
          ByteString b = ByteString.copyFromUtf8(buf.toString());
          buf.setLength(0);
          event(stdout ? CliEvent.newBuilder().setStdout(b) : CliEvent.newBuilder().setStderr(b));
        }
      }

      @Override
      public void close() {
        flush();
      }
    };
  }

  // ------------------------------------------------------------------------------------ the client's process

  @Override
  public long pid() {
    return request.getPid();
  }

  @Override
  public long parentPid() throws ContainerException {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so count from the last ')'.
      String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(after[1]);
    } catch (IOException | RuntimeException e) {
      throw ContainerException.notFound("The client process " + pid() + " is gone");
    }
  }

  @Override
  public boolean root() {
    return peer.root();
  }

  @Override
  public List<Long> threads() throws ContainerException {
    List<Long> tids = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid()), "task"))) {
      s.forEach(p -> tids.add(Long.parseLong(p.getFileName().toString())));
    } catch (IOException e) {
      throw ContainerException.notFound("The client process " + pid() + " is gone");
    }
    return tids;
  }

  @Override
  public byte[] readInput(String file) throws ContainerException {
    CliReply r = ask(CliEvent.newBuilder().setReadInput(file), "read " + file);
    if (r.hasInputError()) {
      throw ContainerException.notFound("Cannot read the spec file " + file + ": " + r.getInputError());
    }
    return r.getInput().toByteArray();
  }

  @Override
  public OutputStream stdout() {
    return new OutputStream() {
      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        event(CliEvent.newBuilder().setStdout(ByteString.copyFrom(b, off, len)));
      }
    };
  }

  @Override
  public boolean hasExecHelper() {
    return request.getExecHelper();
  }

  /** HelperProcess.startHeld's protocol, with the helper a child of the client. */
  @Override
  public HelperProcess.Started startHeld(HelperProcess.Placement placement, Namespaces namespaces,
      List<String> command, RunSpec spec) throws ContainerException {
    HelperProcess.checkCommand(command);
    boolean detached = spec.getFdPolicy() == RunSpec.FdPolicy.DETACHED;
    boolean forks = namespaces.join().containsKey(NamespaceType.PID);
    List<String> args = new ArrayList<>(List.of("--hold"));
    args.addAll(namespaces.helperArguments());
    if (detached) {
      args.add("--detach");
    }
    args.add("--");
    args.addAll(command);
    CliReply r = ask(CliEvent.newBuilder().setHeldStart(HeldStart.newBuilder().addAllArg(args)
        .setDetached(detached).setReadPidLine(forks)), "start the exec helper");
    long helper = r.getHeld().getHelperPid();
    String line = r.getHeld().getLine();
    if (helper <= 0) {
      throw line.isEmpty() ? new ContainerException(StatusCode.INTERNAL, "The client could not start the exec helper")
          : HelperProcess.failure(line, command.get(0));
    }
    long target = helper;
    if (forks) {
      if (!line.startsWith("pid ")) {
        event(CliEvent.newBuilder().setHeldGo(false));
        throw line.isEmpty() ? new ContainerException(StatusCode.INTERNAL, "The exec helper for " + command.get(0)
            + " ended without a report") : HelperProcess.failure(line, command.get(0));
      }
      try {
        target = Long.parseLong(line.substring(4).strip());
      } catch (NumberFormatException e) {
        event(CliEvent.newBuilder().setHeldGo(false));
        throw new ContainerException(StatusCode.INTERNAL, "The exec helper said \"" + line + "\"");
      }
    }
    try {
      placement.place(target);
    } catch (ContainerException | RuntimeException e) {
      event(CliEvent.newBuilder().setHeldGo(false)); // the client ends its helper (and the child it forked)
      throw e;
    }
    String report = ask(CliEvent.newBuilder().setHeldGo(true), "let the command run").getReport();
    if (!report.isEmpty()) {
      throw HelperProcess.failure(report, command.get(0));
    }
    return new HelperProcess.Started(target, null);
  }

  @Override
  public void exec(List<String> command) {
    event(CliEvent.newBuilder().setExec(StringList.newBuilder().addAllValue(command)));
    throw new TakenOver();
  }

  @Override
  public void exitWith(HelperProcess.Started started) {
    event(CliEvent.newBuilder().setWaitHelper(true));
    throw new TakenOver();
  }

  @Override
  public void onGone(Runnable r) {
    startReader();
    synchronized (onGone) {
      if (!gone) {
        onGone.add(r);
        return;
      }
    }
    r.run();
  }
}

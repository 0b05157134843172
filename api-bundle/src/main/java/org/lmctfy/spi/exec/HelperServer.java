package org.lmctfy.spi.exec;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * Starts commands as {@link HelperProcess#start} does, but through one long-lived helper process, {@code
 * lmctfy-exec --serve}, that forks a helper for each command: a JVM spawns a process through jspawnhelper,
 * which costs two execs (about a millisecond each on a small machine), a fork of the small server a tenth of
 * that. Each forked helper is exactly what a spawned one would be: it joins the cgroups and namespaces, then
 * execs, and reports on the same protocol; its stdio, environment and working directory are this process's
 * (the server inherited them when it started), so {@link RunSpec.FdPolicy#INHERIT} means the same.
 *
 * <p>The server is started on first use, listens on a socket in a fresh directory only this user may enter,
 * and lives until {@link #close} or until this process ends (it watches a connection this object holds: when
 * that ends, the server exits; the commands it started go on). If the server has died meanwhile, the next
 * start starts another. The commands are the server's children, not this process's (the server reaps them).
 *
 * @since spi.exec 1.2
 */
public final class HelperServer implements AutoCloseable {
  private final Path helper;
  private Process server;
  private SocketChannel caller;
  private Path dir;
  private Path socket;
  private boolean closed;

  /** @param helper the {@code lmctfy-exec} binary */
  public HelperServer(Path helper) {
    this.helper = helper;
  }

  /**
   * As {@link HelperProcess#start(Path, List, Namespaces, List, RunSpec, Map, Path)}: starts {@code command}
   * inside {@code cgroupDirs} and {@code namespaces}, returns its pid once it runs (execve succeeded).
   */
  public long start(List<Path> cgroupDirs, Namespaces namespaces, List<String> command, RunSpec spec,
      Map<String, String> environment, Path workingDirectory) throws ContainerException {
    HelperProcess.validate(command, spec, namespaces);
    boolean detached = spec.getFdPolicy() == RunSpec.FdPolicy.DETACHED;
    byte[] request = encode(HelperProcess.arguments(cgroupDirs, false, namespaces, command, detached,
        environment, workingDirectory));
    return request(request, command.get(0));
  }

  /**
   * Starts lmctfy's own init ({@code lmctfy-nsinit}'s behaviour, built into the helper: no exec) as PID 1 of
   * the new pid namespace that {@code namespaces} creates, detached, inside {@code cgroupDirs}; returns its
   * pid as this process sees it once it runs.
   */
  public long startInit(List<Path> cgroupDirs, Namespaces namespaces) throws ContainerException {
    return startInit(cgroupDirs, namespaces, List.of());
  }

  /**
   * Like {@link #startInit(List, Namespaces)}, with options that set the new namespaces up in PID 1 before the
   * init runs (lmctfy-exec's setup options after {@code --init --}: a virtual host's network and filesystem);
   * a setup that fails is reported as the start's failure, and the init with its namespaces is gone.
   *
   * @since 1.3
   */
  public long startInit(List<Path> cgroupDirs, Namespaces namespaces, List<String> setup)
      throws ContainerException {
    if (namespaces == null || !namespaces.unshare().contains(NamespaceType.PID)) {
      throw ContainerException.invalidArgument("An init is PID 1 of a new pid namespace: unshare pid");
    }
    if (namespaces.hostname() != null && namespaces.hostname().indexOf('\0') >= 0) {
      throw ContainerException.invalidArgument("The hostname contains a NUL character");
    }
    List<String> args = new java.util.ArrayList<>(HelperProcess.arguments(cgroupDirs, false, namespaces,
        List.of(), true, null, null));
    args.add(args.size() - 1, "--init"); // before the closing "--": no command, only setup options
    for (String o : setup) {
      if (o.indexOf('\0') >= 0) {
        throw ContainerException.invalidArgument("A setup option of the init contains a NUL character");
      }
    }
    args.addAll(setup);
    return request(encode(args), "lmctfy-nsinit");
  }

  private long request(byte[] request, String what) throws ContainerException {
    for (int attempt = 0; ; attempt++) {
      Path s = serverSocket(attempt > 0);
      HelperProcess.Report r;
      try (SocketChannel peer = SocketChannel.open(UnixDomainSocketAddress.of(s))) {
        ByteBuffer b = ByteBuffer.wrap(request);
        while (b.hasRemaining()) {
          peer.write(b);
        }
        r = HelperProcess.readReport(peer, HelperServer::kill, what);
      } catch (IOException e) {
        if (attempt == 0) {
          continue; // the server is gone (killed?): nothing was forked; start another and retry once
        }
        throw KernelErrors.map(e, "ask the exec helper server " + s + " to start " + what);
      }
      if (r.helper() == 0 && r.failure().isEmpty()) {
        if (attempt == 0) {
          continue; // the server ended the connection without forking (it died meanwhile): retry once
        }
        throw new ContainerException(StatusCode.INTERNAL, "The exec helper server did not start "
            + what + " (it ended the request without a report)");
      }
      if (!r.failure().isEmpty()) {
        throw HelperProcess.failure(r.failure(), what);
      }
      return r.pid() > 0 ? r.pid() : r.helper();
    }
  }

  private static void kill(long helperPid) {
    if (helperPid > 0) {
      ProcessHandle.of(helperPid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /** "<bytes>\n" then each argument NUL-terminated (lmctfy-exec.c, serve_one). */
  private static byte[] encode(List<String> args) {
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    for (String a : args) {
      body.writeBytes(a.getBytes(StandardCharsets.UTF_8));
      body.write(0);
    }
    byte[] head = (body.size() + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[head.length + body.size()];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(body.toByteArray(), 0, out, head.length, body.size());
    return out;
  }

  /** The server's socket; starts the server when there is none, or a new one when {@code restart}. */
  private synchronized Path serverSocket(boolean restart) throws ContainerException {
    if (closed) {
      throw ContainerException.unavailable("The exec helper server is closed (lmctfy is stopping)");
    }
    if (server != null && server.isAlive() && !restart) {
      return socket;
    }
    stop();
    try {
      dir = Files.createTempDirectory("lmctfy-exec"); // 0700: only this user can connect
      Path hello = dir.resolve("h");
      socket = dir.resolve("s");
      try (ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        ss.bind(UnixDomainSocketAddress.of(hello));
        server = new ProcessBuilder(helper.toString(), "--serve", socket.toString(), "--status", hello.toString())
            .inheritIO().start();
        caller = HelperProcess.accept(ss, server);
        String line = HelperProcess.readLine(caller, "The exec helper server " + helper);
        if (!line.equals("ready")) {
          stop();
          throw line.isEmpty()
              ? new ContainerException(StatusCode.INTERNAL, "The exec helper server " + helper + " ended at start")
              : HelperProcess.failure(line, helper.toString());
        }
      } finally {
        Files.deleteIfExists(hello);
      }
      return socket;
    } catch (IOException e) {
      stop();
      throw KernelErrors.map(e, "start the exec helper server " + helper);
    }
  }

  /** Ends the server (if any) and removes its socket; the commands it started go on. */
  private synchronized void stop() {
    if (caller != null) {
      try {
        caller.close(); // the server sees its caller go and exits
      } catch (IOException e) {
        // closed anyway
      }
      caller = null;
    }
    if (server != null) {
      try {
        if (!server.waitFor(1, TimeUnit.SECONDS)) {
          server.destroyForcibly();
        }
      } catch (InterruptedException e) {
        server.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      server = null;
    }
    if (dir != null) {
      try {
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir.resolve("h"));
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        // a leftover temp directory; nothing to undo
      }
      dir = null;
    }
  }

  /**
   * Ends the server now, without closing this object: the next start starts another (e.g. before the
   * calling process execs another program, which must not inherit the server's connection).
   */
  public synchronized void shutdown() {
    stop();
  }

  /** Ends the server; commands already started go on. Later starts fail UNAVAILABLE. */
  @Override
  public synchronized void close() {
    closed = true;
    stop();
  }
}

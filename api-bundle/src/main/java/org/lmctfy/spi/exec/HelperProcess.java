package org.lmctfy.spi.exec;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * Starts a command through the native helper {@code lmctfy-exec} (ARCHITECTURE.md § Starting processes), so that it never runs outside
 * its container: either the helper joins the given cgroups, and namespaces ({@link Namespaces}), itself
 * before it execs ({@link #start}), or it stops after starting until the caller has had it placed into the
 * container by someone allowed to ({@link #startHeld}: lmctfyd entering a non-root client's own process).
 *
 * <p>The helper speaks on a Unix socket (protocol in native/src/main/c/lmctfy-exec.c): a line
 * {@code "pid <n>"} first when it forked (a pid namespace joined or created: {@code <n>} is the command's
 * pid as this process's pid namespace sees it), a line {@code "<errno> <step>: <detail>"} when a step
 * failed (the command does not run), and nothing more once the command runs (its execve closes the
 * socket). The pid {@code start} returns is the command's: the pid line's, or else the helper's own (it
 * became the command). When the helper forked, the command is not this process's child: after joining a pid
 * namespace the helper stays as its parent and ends with its status (signals relayed); after creating one
 * (the command is PID 1 there) the helper exits at once and the command is re-parented.
 */
public final class HelperProcess {
  /** Bounds on the helper's start (it has only a few system calls to make before execve). */
  public static final long START_TIMEOUT_MS = 10_000;

  /** Places a held helper (a single-threaded process, not yet the command) into its container. */
  @FunctionalInterface
  public interface Placement {
    void place(long pid) throws ContainerException;
  }

  private HelperProcess() {}

  /** Validates a command as lmctfy does, before anything is spawned. */
  public static void checkCommand(List<String> command) throws ContainerException {
    if (command == null || command.isEmpty() || command.get(0).isEmpty()) {
      throw ContainerException.invalidArgument("The command is empty");
    }
    String path = command.get(0);
    if (!path.startsWith("/")) {
      throw ContainerException.invalidArgument("The command must be an absolute path, got \"" + path + "\"");
    }
    for (String arg : command) {
      if (arg.indexOf('\0') >= 0) {
        throw ContainerException.invalidArgument("A command argument contains a NUL character");
      }
    }
    Path p = Path.of(path);
    if (!Files.exists(p)) {
      throw ContainerException.notFound("No such command: " + path);
    }
    if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
      throw new ContainerException(StatusCode.PERMISSION_DENIED, "Not an executable file: " + path);
    }
  }

  /**
   * Starts {@code command} inside {@code cgroupDirs} (the helper joins them); returns its pid once it runs
   * (execve succeeded).
   */
  public static long start(Path helper, List<Path> cgroupDirs, List<String> command, RunSpec spec,
      Map<String, String> environment, Path workingDirectory) throws ContainerException {
    return start(helper, cgroupDirs, null, Namespaces.NONE, command, spec, environment, workingDirectory);
  }

  /**
   * Starts {@code command} inside {@code cgroupDirs} and {@code namespaces} (the helper joins the cgroups,
   * then joins and creates the namespaces); returns the command's pid, as this process's pid namespace sees
   * it, once it runs (execve succeeded). A namespace the helper cannot join or create, or an unsound
   * combination, fails with the helper's step and errno mapped as for cgroups (a file that is not a
   * namespace of its type, a hostname over 64 bytes: INVALID_ARGUMENT), and nothing runs.
   */
  public static long start(Path helper, List<Path> cgroupDirs, Namespaces namespaces, List<String> command,
      RunSpec spec, Map<String, String> environment, Path workingDirectory) throws ContainerException {
    return start(helper, cgroupDirs, null, namespaces, command, spec, environment, workingDirectory);
  }

  /**
   * Starts the helper for {@code command}, lets {@code placement} put the waiting helper into the container,
   * and only then lets it exec the command; returns the command's pid once it runs. If the placement fails,
   * the helper ends without running anything.
   */
  public static long startHeld(Path helper, Placement placement, List<String> command, RunSpec spec,
      Map<String, String> environment, Path workingDirectory) throws ContainerException {
    return startHeld(helper, placement, Namespaces.NONE, command, spec, environment, workingDirectory).pid();
  }

  /** A command started by a held helper: its pid, and the helper process to wait for (see startHeld). */
  public record Started(long pid, Process helper) {}

  /**
   * As {@link #startHeld(Path, Placement, List, RunSpec, Map, Path)}, and the helper joins {@code namespaces}
   * (no cgroups: the placement puts it into them). With a pid namespace to join, the process placed is the
   * helper's child born in that namespace (a virtual host admits only its own processes), and the helper
   * stays as its relay (signals forwarded, it ends as the command ends). Waiting for {@link Started#helper()}
   * gives the command's exit status either way: the foreground run of lmctfy's client.
   *
   * @since spi.exec 1.2
   */
  public static Started startHeld(Path helper, Placement placement, Namespaces namespaces, List<String> command,
      RunSpec spec, Map<String, String> environment, Path workingDirectory) throws ContainerException {
    Process[] started = new Process[1];
    long pid = start(helper, List.of(), placement, namespaces, command, spec, environment, workingDirectory,
        started);
    return new Started(pid, started[0]);
  }

  private static long start(Path helper, List<Path> cgroupDirs, Placement placement, Namespaces namespaces,
      List<String> command, RunSpec spec, Map<String, String> environment, Path workingDirectory)
      throws ContainerException {
    return start(helper, cgroupDirs, placement, namespaces, command, spec, environment, workingDirectory, null);
  }

  private static long start(Path helper, List<Path> cgroupDirs, Placement placement, Namespaces namespaces,
      List<String> command, RunSpec spec, Map<String, String> environment, Path workingDirectory,
      Process[] started) throws ContainerException {
    validate(command, spec, namespaces);
    boolean detached = spec.getFdPolicy() == RunSpec.FdPolicy.DETACHED;
    Path sockDir = null;
    try {
      sockDir = Files.createTempDirectory("lmctfy-run"); // 0700: only we can connect
      Path sock = sockDir.resolve("s");
      try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        server.bind(UnixDomainSocketAddress.of(sock));
        List<String> argv = new ArrayList<>(List.of(helper.toString(), "--status", sock.toString()));
        argv.addAll(arguments(cgroupDirs, placement != null, namespaces, command, detached, environment,
            workingDirectory));
        ProcessBuilder pb = new ProcessBuilder(argv);
        if (detached) {
          pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        } else {
          pb.inheritIO();
        }
        Process process = pb.start();
        Report report;
        long placed = 0;
        try (SocketChannel peer = accept(server, process)) {
          if (placement != null) {
            long target = process.pid();
            if (namespaces.join().containsKey(NamespaceType.PID)) {
              // The helper forks into the joined pid namespace first; its child waits to be placed.
              String line = readLine(peer, "the exec helper for " + command.get(0));
              Report first = Report.parse(line);
              if (first.pid() <= 0) {
                process.waitFor(START_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                throw line.isEmpty() ? new ContainerException(StatusCode.INTERNAL, "The exec helper for "
                    + command.get(0) + " ended without a report") : failure(line, command.get(0));
              }
              target = first.pid();
              placed = target;
            }
            try {
              placement.place(target);
            } catch (ContainerException | RuntimeException e) {
              peer.close(); // the held helper reads end-of-file and exits without running anything
              if (!process.waitFor(500, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly(); // placed half-way into a frozen cgroup, it cannot read: killed
              }
              if (placed > 0) {
                ProcessHandle.of(placed).ifPresent(ProcessHandle::destroyForcibly);
              }
              throw e;
            }
            ByteBuffer go = ByteBuffer.wrap(new byte[] {'g'});
            while (go.hasRemaining()) {
              peer.write(go);
            }
          }
          report = readReport(peer, helperPid -> process.destroyForcibly(), command.get(0));
        }
        if (!report.failure().isEmpty()) {
          process.waitFor(START_TIMEOUT_MS, TimeUnit.MILLISECONDS);
          throw failure(report.failure(), command.get(0));
        }
        if (started != null) {
          started[0] = process;
        }
        return placed > 0 ? placed : report.pid() > 0 ? report.pid() : process.pid();
      }
    } catch (IOException e) {
      throw KernelErrors.map(e, "start the exec helper for " + command.get(0));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerException(StatusCode.CANCELLED, "interrupted while starting " + command.get(0));
    } finally {
      if (sockDir != null) {
        try {
          Files.deleteIfExists(sockDir.resolve("s"));
          Files.deleteIfExists(sockDir);
        } catch (IOException e) {
          // a leftover empty temp directory; nothing to undo
        }
      }
    }
  }

  /**
   * One line from a helper's socket, bounded; empty at end of stream. Only where the helper says nothing more
   * until answered (its pid line before it waits for "g"; a server's "ready").
   */
  static String readLine(SocketChannel peer, String what) throws IOException, ContainerException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
    ByteBuffer buf = ByteBuffer.allocate(1024);
    peer.configureBlocking(false);
    try (Selector selector = Selector.open()) {
      peer.register(selector, SelectionKey.OP_READ);
      while (buf.hasRemaining()) {
        String s = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        if (s.indexOf('\n') >= 0) {
          return s.substring(0, s.indexOf('\n'));
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new ContainerException(StatusCode.DEADLINE_EXCEEDED, what + " did not answer in "
              + START_TIMEOUT_MS + " ms");
        }
        selector.select(left);
        selector.selectedKeys().clear();
        if (peer.read(buf) < 0) {
          return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
        }
      }
    }
    throw new ContainerException(StatusCode.INTERNAL, what + " said too much at once");
  }

  /** Everything checked before a helper is asked for: the command, the RunSpec, the namespaces. */
  static void validate(List<String> command, RunSpec spec, Namespaces namespaces) throws ContainerException {
    checkCommand(command);
    if (namespaces == null) {
      throw ContainerException.invalidArgument("No namespaces given: use Namespaces.NONE for the caller's");
    }
    if (namespaces.hostname() != null && namespaces.hostname().indexOf('\0') >= 0) {
      throw ContainerException.invalidArgument("The hostname contains a NUL character");
    }
    checkSpec(spec);
  }

  /**
   * Refuses a RunSpec no start can honour: an UNKNOWN fd policy (INVALID_ARGUMENT), a console or an AppArmor
   * profile (UNIMPLEMENTED). Public for starts that do not go through a helper (core {@code InitSpawn}: a
   * virtual host's init).
   *
   * @since spi.exec 1.3
   */
  public static void checkSpec(RunSpec spec) throws ContainerException {
    if (spec.hasFdPolicy() && spec.getFdPolicy() == RunSpec.FdPolicy.UNKNOWN) {
      throw ContainerException.invalidArgument("RunSpec.fd_policy UNKNOWN is not a policy: use INHERIT or"
          + " DETACHED");
    }
    if (spec.hasConsole()) {
      throw ContainerException.unimplemented("RunSpec.console is for virtual hosts, not implemented yet");
    }
    if (spec.hasApparmorProfile()) {
      throw ContainerException.unimplemented("RunSpec.apparmor_profile is not implemented");
    }
  }

  /** The helper's arguments after {@code --status <socket>}: options, "--", the command. */
  static List<String> arguments(List<Path> cgroupDirs, boolean hold, Namespaces namespaces,
      List<String> command, boolean detached, Map<String, String> environment, Path workingDirectory) {
    List<String> argv = new ArrayList<>();
    for (Path d : cgroupDirs) {
      argv.add("--cgroup");
      argv.add(d.toString());
    }
    if (hold) {
      argv.add("--hold");
    }
    argv.addAll(namespaces.helperArguments());
    if (workingDirectory != null) {
      argv.add("--cwd");
      argv.add(workingDirectory.toString());
    }
    if (detached) {
      argv.add("--detach");
    }
    if (environment != null) {
      for (Map.Entry<String, String> e : environment.entrySet()) {
        argv.add("--env");
        argv.add(e.getKey() + "=" + e.getValue());
      }
    }
    argv.add("--");
    argv.addAll(command);
    return argv;
  }

  /** Waits (bounded) for the helper to connect to its status socket. */
  static SocketChannel accept(ServerSocketChannel server, Process process)
      throws IOException, ContainerException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
    server.configureBlocking(false);
    try (Selector selector = Selector.open()) {
      server.register(selector, SelectionKey.OP_ACCEPT);
      while (true) {
        selector.select(20);
        SocketChannel peer = server.accept();
        if (peer != null) {
          peer.configureBlocking(true);
          return peer;
        }
        if (!process.isAlive()) {
          throw new ContainerException(StatusCode.INTERNAL, "The exec helper exited (" + process.exitValue()
              + ") before reporting");
        }
        if (System.nanoTime() > deadline) {
          process.destroyForcibly();
          throw new ContainerException(StatusCode.DEADLINE_EXCEEDED, "The exec helper did not start in "
              + START_TIMEOUT_MS + " ms");
        }
      }
    }
  }

  /**
   * What the helper said: its own pid when a server forked it (else 0), the command's pid when it forked
   * (else 0), and a failure (else empty).
   */
  record Report(long helper, long pid, String failure) {
    static Report parse(String text) {
      String t = text.strip();
      long helper = 0;
      if (t.startsWith("helper ")) {
        int nl = t.indexOf('\n');
        try {
          helper = Long.parseLong((nl < 0 ? t : t.substring(0, nl)).substring(7).strip());
        } catch (NumberFormatException e) {
          return new Report(0, 0, t);
        }
        t = nl < 0 ? "" : t.substring(nl + 1).strip();
      }
      if (t.startsWith("pid ")) {
        int nl = t.indexOf('\n');
        String line = nl < 0 ? t : t.substring(0, nl);
        String rest = nl < 0 ? "" : t.substring(nl + 1).strip();
        try {
          return new Report(helper, Long.parseLong(line.substring(4).strip()), rest);
        } catch (NumberFormatException e) {
          return new Report(helper, 0, t);
        }
      }
      return new Report(helper, 0, t);
    }
  }

  /**
   * Reads the helper's report until its execve closes the socket, or its report ends it; bounded: a helper
   * that stops before its execve (its container was paused meanwhile) is killed ({@code killHelper}, given
   * the helper pid reported so far, 0 if none), and so is the process it forked for the command, and the
   * start fails.
   */
  static Report readReport(SocketChannel peer, java.util.function.LongConsumer killHelper, String command)
      throws IOException, ContainerException {
    ByteBuffer buf = ByteBuffer.allocate(2048);
    // Blocking reads; at the deadline a watchdog closes the channel, which ends a blocked read. (A Selector per
    // request cost an epoll instance, an eventfd and ten system calls on every run.)
    peer.configureBlocking(true);
    Watchdog.Deadline watchdog = Watchdog.arm(peer, START_TIMEOUT_MS);
    try {
      while (buf.hasRemaining()) {
        int n;
        try {
          n = peer.read(buf);
        } catch (java.nio.channels.ClosedChannelException e) {
          boolean interrupted = e instanceof java.nio.channels.ClosedByInterruptException;
          if (!watchdog.late() && !interrupted) {
            throw e;
          }
          Report partial = Report.parse(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
          killHelper.accept(partial.helper());
          if (partial.pid() > 0) {
            ProcessHandle.of(partial.pid()).ifPresent(ProcessHandle::destroyForcibly);
          }
          if (interrupted && !watchdog.late()) {
            throw new ContainerException(StatusCode.CANCELLED, "Cannot run " + command + ": the calling thread was"
                + " interrupted while it started; the helper was killed");
          }
          throw new ContainerException(StatusCode.DEADLINE_EXCEEDED, "Cannot run " + command + ": it did not"
              + " start within " + START_TIMEOUT_MS + " ms (is its container paused?); the helper was killed");
        }
        if (n < 0) {
          break;
        }
      }
    } finally {
      watchdog.cancel();
    }
    return Report.parse(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
  }

  /**
   * Ends helper reads that take too long: one daemon thread, alive only while deadlines are pending (and a while
   * after), that looks at them every {@link #TICK_MS}. Arming and cancelling a deadline touch a concurrent set
   * and wake no thread: a ScheduledThreadPoolExecutor woke its worker at every schedule and cancel, two context
   * switches per command on the path of every run. Deadlines are kept to within a tick.
   */
  static final class Watchdog {
    static final long TICK_MS = 100;
    /** How long the thread stays without deadlines before it ends. */
    static final long IDLE_MS = 10_000;
    private static final java.util.Set<Deadline> PENDING = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final java.util.concurrent.atomic.AtomicBoolean RUNNING =
        new java.util.concurrent.atomic.AtomicBoolean();

    /** A pending deadline: at {@code at} its channel is closed (which ends a read blocked on it). */
    static final class Deadline {
      private final java.nio.channels.Channel channel;
      private final long at;
      private volatile boolean late;

      private Deadline(java.nio.channels.Channel channel, long at) {
        this.channel = channel;
        this.at = at;
      }

      /** Whether the deadline passed and closed the channel. */
      boolean late() {
        return late;
      }

      void cancel() {
        PENDING.remove(this);
      }

      private void expire() {
        late = true;
        PENDING.remove(this);
        try {
          channel.close();
        } catch (IOException e) {
          // closing is all it can do
        }
      }
    }

    static Deadline arm(java.nio.channels.Channel channel, long timeoutMs) {
      Deadline d = new Deadline(channel, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs));
      PENDING.add(d);
      if (!RUNNING.get() && RUNNING.compareAndSet(false, true)) {
        Thread t = new Thread(Watchdog::run, "lmctfy-exec-deadline");
        t.setDaemon(true);
        t.start();
      }
      return d;
    }

    private static void run() {
      long idleSince = System.nanoTime();
      while (true) {
        try {
          Thread.sleep(TICK_MS);
        } catch (InterruptedException e) {
          // a daemon thread nobody interrupts; go on looking
        }
        long now = System.nanoTime();
        for (Deadline d : PENDING) {
          if (now - d.at >= 0) {
            d.expire();
          }
        }
        if (!PENDING.isEmpty()) {
          idleSince = now;
        } else if (now - idleSince > TimeUnit.MILLISECONDS.toNanos(IDLE_MS)) {
          RUNNING.set(false);
          // a deadline armed meanwhile saw RUNNING true and started no thread: this one goes on
          if (PENDING.isEmpty() || !RUNNING.compareAndSet(false, true)) {
            return;
          }
          idleSince = now;
        }
      }
    }
  }

  /** Maps the helper's "<errno> <step>: <detail>" to a status code. */
  public static ContainerException failure(String report, String command) {
    int sp = report.indexOf(' ');
    int errno;
    try {
      errno = Integer.parseInt(report.substring(0, sp));
    } catch (RuntimeException e) {
      return new ContainerException(StatusCode.INTERNAL, "exec helper: " + report);
    }
    String detail = report.substring(sp + 1);
    StatusCode code;
    switch (errno) {
      case 2: code = StatusCode.NOT_FOUND; break; // ENOENT
      case 3: code = StatusCode.NOT_FOUND; break; // ESRCH (also: a pid namespace whose init has exited)
      case 1: case 13: code = StatusCode.PERMISSION_DENIED; break; // EPERM, EACCES
      // EBUSY (v2 internal process), ENOSPC (cpuset; or a user.max_*_namespaces limit)
      case 16: case 28: code = StatusCode.FAILED_PRECONDITION; break;
      case 17: code = StatusCode.ALREADY_EXISTS; break; // EEXIST (a link name taken meanwhile)
      case 95: code = StatusCode.FAILED_PRECONDITION; break; // EOPNOTSUPP (e.g. a kernel without veth)
      case 8: case 22: code = StatusCode.INVALID_ARGUMENT; break; // ENOEXEC, EINVAL
      case 7: case 36: code = StatusCode.INVALID_ARGUMENT; break; // E2BIG, ENAMETOOLONG
      default: code = StatusCode.INTERNAL; break;
    }
    return new ContainerException(code, "Cannot run " + command + ": " + detail);
  }
}

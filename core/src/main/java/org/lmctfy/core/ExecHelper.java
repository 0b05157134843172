package org.lmctfy.core;

import java.io.IOException;
import java.io.InputStream;
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
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * Starts commands through the native helper {@code lmctfy-exec} (native/), which joins the container's
 * cgroups before it execs, so the command never runs outside (DESIGN §5). The helper ships inside the
 * native jar and is extracted once into the state directory. It reports a failure of any step on a Unix
 * socket as {@code "<errno> <step>: <detail>"}; a successful execve closes that socket silently.
 */
final class ExecHelper {
  static final String RESOURCE = "/org/lmctfy/nativehelper/lmctfy-exec";
  /** Bounds on the helper's start (it has only a few system calls to make before execve). */
  static final long START_TIMEOUT_MS = 10_000;

  private final Path stateDir;
  private volatile Path binary;

  ExecHelper(Path stateDir) {
    this.stateDir = stateDir;
  }

  /** Uses an installed helper (a distribution's {@code libexec/lmctfy-exec}) instead of the class path's. */
  ExecHelper(Path stateDir, Path installed) {
    this.stateDir = stateDir;
    this.binary = installed;
  }

  /** The helper binary, extracted from the classpath into {@code <state>/bin} when missing or changed. */
  Path binary() throws ContainerException {
    Path b = binary;
    if (b != null) {
      return b;
    }
    synchronized (this) {
      if (binary != null) {
        return binary;
      }
      try (InputStream in = ExecHelper.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw ContainerException.failedPrecondition("The exec helper " + RESOURCE + " is not on the class"
              + " path (the native bundle is missing)");
        }
        byte[] bytes = in.readAllBytes();
        Path dir = Files.createDirectories(stateDir.resolve("bin"));
        Path target = dir.resolve("lmctfy-exec-" + Integer.toHexString(Arrays.hashCode(bytes)));
        if (!Files.isExecutable(target) || Files.size(target) != bytes.length) {
          Path tmp = Files.createTempFile(dir, "lmctfy-exec", ".tmp");
          Files.write(tmp, bytes);
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        binary = target;
        return target;
      } catch (IOException e) {
        throw KernelErrors.map(e, "extract the exec helper into " + stateDir.resolve("bin"));
      }
    }
  }

  /** Validates a command as lmctfy does, before anything is spawned. */
  static void checkCommand(List<String> command) throws ContainerException {
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
   * Starts {@code command} inside {@code cgroupDirs}; returns its pid once it runs (execve succeeded).
   */
  long start(List<Path> cgroupDirs, List<String> command, RunSpec spec, Map<String, String> environment,
      Path workingDirectory) throws ContainerException {
    checkCommand(command);
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
    boolean detached = spec.getFdPolicy() == RunSpec.FdPolicy.DETACHED;
    Path helper = binary();
    Path sockDir = null;
    try {
      sockDir = Files.createTempDirectory("lmctfy-run"); // 0700: only we can connect
      Path sock = sockDir.resolve("s");
      try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        server.bind(UnixDomainSocketAddress.of(sock));
        List<String> argv = new ArrayList<>(List.of(helper.toString(), "--status", sock.toString()));
        for (Path d : cgroupDirs) {
          argv.add("--cgroup");
          argv.add(d.toString());
        }
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
        ProcessBuilder pb = new ProcessBuilder(argv);
        if (detached) {
          pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        } else {
          pb.inheritIO();
        }
        Process process = pb.start();
        String report = await(server, process);
        if (!report.isEmpty()) {
          process.waitFor(START_TIMEOUT_MS, TimeUnit.MILLISECONDS);
          throw failure(report, command.get(0));
        }
        return process.pid();
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

  /** Waits for the helper to connect and reads its report until the socket closes (bounded). */
  private static String await(ServerSocketChannel server, Process process) throws IOException, ContainerException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
    server.configureBlocking(false);
    try (Selector selector = Selector.open()) {
      server.register(selector, SelectionKey.OP_ACCEPT);
      SocketChannel peer = null;
      while (peer == null) {
        selector.select(20);
        peer = server.accept();
        if (peer == null) {
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
      try (SocketChannel p = peer) {
        p.configureBlocking(true);
        ByteBuffer buf = ByteBuffer.allocate(2048);
        while (buf.hasRemaining() && p.read(buf) >= 0) {
          // read until the helper's execve closes the socket, or its report ends it
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).trim();
      }
    }
  }

  /** Maps the helper's "<errno> <step>: <detail>" to a status code. */
  static ContainerException failure(String report, String command) {
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
      case 3: code = StatusCode.NOT_FOUND; break; // ESRCH
      case 1: case 13: code = StatusCode.PERMISSION_DENIED; break; // EPERM, EACCES
      case 16: case 28: code = StatusCode.FAILED_PRECONDITION; break; // EBUSY (v2 internal process), ENOSPC (cpuset)
      case 8: case 22: code = StatusCode.INVALID_ARGUMENT; break; // ENOEXEC, EINVAL
      case 7: case 36: code = StatusCode.INVALID_ARGUMENT; break; // E2BIG, ENAMETOOLONG
      default: code = StatusCode.INTERNAL; break;
    }
    return new ContainerException(code, "Cannot run " + command + ": " + detail);
  }
}

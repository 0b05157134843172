package org.lmctfy.core;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.spi.exec.HelperProcess;

/**
 * A command started by the virtual host's own init (native {@code spawn.c}: {@code lmctfy-exec --init --spawn
 * <socket>}), for a run in the container that holds the init: the init forks it, so it is born in every
 * namespace and cgroup of the virtual host, without the exec helper's fork, setns calls, cgroup writes and
 * relay (ARCHITECTURE.md § "Resources that shape processes"). The socket is the core's (it starts the init
 * for the resource's capability, ExecHelper.startInit); a run elsewhere, or one whose socket does not answer
 * as that init, goes through the exec helper as before.
 *
 * <p>Through jnr-ffi ({@link Libc}), because the request carries the caller's stdin, stdout and stderr (SCM_RIGHTS, for
 * {@code INHERIT}) and the answer the command's pid as this process sees it (SCM_CREDENTIALS: the init knows
 * only the pid inside the virtual host's pid namespace), neither of which Java's channels can pass.
 */
final class InitSpawn {
  private InitSpawn() {}

  private static final int AF_UNIX = 1;
  private static final int SOCK_STREAM_CLOEXEC = 1 | 0x80000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_PASSCRED = 16;
  private static final int SO_PEERCRED = 17;
  private static final int SCM_RIGHTS = 1;
  private static final int SCM_CREDENTIALS = 2;
  private static final int EINTR = 4;
  /** sun_path's size on Linux. */
  static final int MAX_PATH = 107;

  private static final Libc LIBC = Libc.get();

  /**
   * Where the init of virtual host {@code n} takes requests ({@code <state>/spawn/<cgroup root>/<name>.sock}),
   * or null when that path is too long for a Unix socket (its virtual host then starts no spawner).
   */
  static Path socket(Path stateDir, String cgroupRoot, ContainerName n) {
    Path dir = stateDir.resolve("spawn").resolve(cgroupRoot.equals("/") ? "_"
        : cgroupRoot.substring(1).replace('/', ':'));
    Path p = dir.resolve(n.relativePath().replace('/', ':') + ".sock");
    return LIBC != null && p.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_PATH ? p : null;
  }

  /** Makes the socket's directory (root's only) before an init binds in it. */
  static void prepare(Path socket) throws ContainerException {
    Path dir = socket.getParent();
    if (dir.toFile().isDirectory()) {
      return;
    }
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir.getParent(), PosixFilePermissions.fromString("rwx------"));
    } catch (java.io.IOException e) {
      throw org.lmctfy.spi.cgroup.KernelErrors.map(e, "make " + dir + " (virtual hosts' spawn sockets)");
    }
  }

  /** Forgets a destroyed virtual host's socket (its init is gone). */
  static void delete(Path socket) {
    if (socket != null) {
      socket.toFile().delete();
    }
  }

  /**
   * Starts {@code command} through the init listening on {@code socket}, which must be process {@code init}
   * (as this process sees it: SO_PEERCRED), and returns the command's pid once its execve succeeded; empty
   * when nothing answers there as that init (the caller starts the command through the exec helper).
   */
  static OptionalLong start(Path socket, long init, List<String> command, RunSpec spec)
      throws ContainerException {
    if (LIBC == null || socket == null || !socket.toFile().exists()) {
      return OptionalLong.empty();
    }
    HelperProcess.checkSpec(spec); // the command was checked by the run
    Runtime rt = Runtime.getRuntime(LIBC);
    int fd = LIBC.socket(AF_UNIX, SOCK_STREAM_CLOEXEC, 0);
    if (fd < 0) {
      return OptionalLong.empty();
    }
    try {
      Pointer one = Memory.allocateDirect(rt, 4);
      one.putInt(0, 1);
      if (LIBC.setsockopt(fd, SOL_SOCKET, SO_PASSCRED, one, 4) != 0) {
        return OptionalLong.empty();
      }
      byte[] path = socket.toString().getBytes(StandardCharsets.UTF_8);
      Pointer addr = Memory.allocateDirect(rt, 110);
      addr.putShort(0, (short) AF_UNIX);
      addr.put(2, path, 0, path.length);
      addr.putByte(2 + path.length, (byte) 0);
      if (LIBC.connect(fd, addr, 110) != 0) {
        return OptionalLong.empty(); // gone (its virtual host destroyed, its init killed): the exec helper
      }
      Pointer cred = Memory.allocateDirect(rt, 12);
      Pointer len = Memory.allocateDirect(rt, 4);
      len.putInt(0, 12);
      if (LIBC.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len) != 0 || cred.getInt(0) != init) {
        return OptionalLong.empty(); // not the init the capability names: never start a command there
      }
      boolean detached = spec.getFdPolicy() == RunSpec.FdPolicy.DETACHED;
      send(rt, fd, request(command, detached), !detached);
      return OptionalLong.of(report(rt, fd, command.get(0)));
    } finally {
      LIBC.close(fd);
    }
  }

  /** "<bytes>\n" then the arguments, each NUL-terminated (spawn.c, spawn_one). */
  private static byte[] request(List<String> command, boolean detached) throws ContainerException {
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    if (detached) {
      body.writeBytes("--detach\0".getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes("--\0".getBytes(StandardCharsets.UTF_8));
    for (String a : command) {
      if (a.indexOf('\0') >= 0) {
        throw ContainerException.invalidArgument("An argument of the command contains a NUL character");
      }
      body.writeBytes(a.getBytes(StandardCharsets.UTF_8));
      body.write(0);
    }
    byte[] b = body.toByteArray();
    byte[] head = (b.length + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[head.length + b.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(b, 0, all, head.length, b.length);
    return all;
  }

  /** Writes the request, the first part with this process's stdin, stdout and stderr when {@code stdio}. */
  private static void send(Runtime rt, int fd, byte[] request, boolean stdio) throws ContainerException {
    Pointer data = Memory.allocateDirect(rt, request.length);
    data.put(0, request, 0, request.length);
    Pointer iov = Memory.allocateDirect(rt, 16);
    Pointer msg = Memory.allocateDirect(rt, 56); // struct msghdr (LP64)
    Pointer control = stdio ? Memory.allocateDirect(rt, 32) : null; // CMSG_SPACE(3 ints)
    if (stdio) {
      control.putLong(0, 16 + 12); // cmsg_len = CMSG_LEN(3 ints)
      control.putInt(8, SOL_SOCKET);
      control.putInt(12, SCM_RIGHTS);
      control.putInt(16, 0);
      control.putInt(20, 1);
      control.putInt(24, 2);
    }
    long sent = 0;
    while (sent < request.length) {
      boolean withStdio = sent == 0 && stdio;
      message(msg, iov, data.slice(sent), request.length - sent, withStdio ? control : null, withStdio ? 32 : 0);
      long n = LIBC.sendmsg(fd, msg, 0x4000 /* MSG_NOSIGNAL */);
      if (n < 0) {
        if (rt.getLastError() == EINTR) {
          continue;
        }
        throw new ContainerException(StatusCode.UNAVAILABLE, "The virtual host's init did not take the request"
            + " (errno " + rt.getLastError() + ")");
      }
      sent += n;
    }
  }

  /**
   * Fills {@code msg}, a struct msghdr (LP64: name, namelen, iov, iovlen, control, controllen, flags), for one
   * buffer of {@code length} bytes at {@code data} and the control buffer {@code control} (null: none).
   */
  private static void message(Pointer msg, Pointer iov, Pointer data, long length, Pointer control,
      long controlLength) {
    iov.putPointer(0, data);
    iov.putLong(8, length);
    msg.putLong(0, 0);
    msg.putInt(8, 0);
    msg.putPointer(16, iov);
    msg.putLong(24, 1);
    if (control != null) {
      msg.putPointer(32, control);
    } else {
      msg.putLong(32, 0);
    }
    msg.putLong(40, controlLength);
    msg.putInt(48, 0);
  }

  /**
   * Reads the answer until the end of stream (the command's execve, or a failure): its pid as this process
   * sees it comes with the first bytes the command wrote (SCM_CREDENTIALS), bounded by the helpers' start
   * deadline; a command that does not exec in time (its virtual host paused meanwhile) is killed.
   */
  private static long report(Runtime rt, int fd, String what) throws ContainerException {
    Pointer buf = Memory.allocateDirect(rt, 2048);
    Pointer iov = Memory.allocateDirect(rt, 16);
    Pointer control = Memory.allocateDirect(rt, 64);
    Pointer msg = Memory.allocateDirect(rt, 56);
    Pointer pfd = Memory.allocateDirect(rt, 8);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HelperProcess.START_TIMEOUT_MS);
    int have = 0;
    long pid = 0;
    while (have < 2048) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      pfd.putInt(0, fd);
      pfd.putShort(4, (short) 1);
      pfd.putShort(6, (short) 0);
      int ready = left > 0 ? LIBC.poll(pfd, 1, (int) left) : 0;
      if (ready == 0) {
        if (pid > 0) {
          ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        throw new ContainerException(StatusCode.DEADLINE_EXCEEDED, "Cannot run " + what + ": it did not start within "
            + HelperProcess.START_TIMEOUT_MS + " ms (is its virtual host paused?)" + (pid > 0 ? "; it was killed" : ""));
      }
      if (ready < 0) {
        continue; // EINTR
      }
      message(msg, iov, buf.slice(have), 2048 - have, control, 64);
      long n = LIBC.recvmsg(fd, msg, 0x40000000 /* MSG_CMSG_CLOEXEC */);
      if (n < 0) {
        if (rt.getLastError() == EINTR) {
          continue;
        }
        break;
      }
      if (n == 0) {
        break;
      }
      if (pid == 0 && msg.getLong(40) >= 16 + 12 && control.getInt(8) == SOL_SOCKET
          && control.getInt(12) == SCM_CREDENTIALS) {
        pid = control.getInt(16); // the writer's pid, translated into this process's pid namespace
      }
      have += (int) n;
    }
    byte[] bytes = new byte[have];
    buf.get(0, bytes, 0, have);
    String text = new String(bytes, StandardCharsets.UTF_8).strip();
    if (!text.startsWith("pid ")) {
      throw text.isEmpty()
          ? new ContainerException(StatusCode.UNAVAILABLE, "Cannot run " + what + ": the virtual host's init"
              + " ended the request without an answer")
          : HelperProcess.failure(text, what);
    }
    int nl = text.indexOf('\n');
    if (nl >= 0) { // the command's process failed after it was forked: its report follows the pid line
      throw HelperProcess.failure(text.substring(nl + 1).strip(), what);
    }
    if (pid <= 0) {
      throw new ContainerException(StatusCode.INTERNAL, "Cannot run " + what + ": the virtual host's init sent no"
          + " credentials with the command's pid");
    }
    return pid;
  }
}

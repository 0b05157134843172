package org.lmctfy.controller.device;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;

/**
 * The bpf(2) commands a cgroup2 device program needs: load, attach (with {@code BPF_F_REPLACE}), detach, and the
 * queries that find a cgroup's attached programs again, so that the bundle keeps no state.
 *
 * <p>Why jnr-ffi: the JVM (Java 17) cannot make a system call itself; jnr-ffi is already the project's way to
 * reach the C library (the core's epoll loop), is on every distribution's class path (shared through the system
 * bundle), and a {@code syscall(2)} binding is a few lines. The exec helper (C) would need a new protocol for
 * a call that has nothing to do with starting processes, and libbpf bindings for Java are not maintained.
 * The attribute layouts are include/uapi/linux/bpf.h's {@code union bpf_attr}; unset fields stay zero.
 */
final class Bpf {
  static final String PROGRAM_NAME = "lmctfy_device";

  private static final int BPF_PROG_LOAD = 5;
  private static final int BPF_PROG_ATTACH = 8;
  private static final int BPF_PROG_DETACH = 9;
  private static final int BPF_PROG_GET_FD_BY_ID = 13;
  private static final int BPF_OBJ_GET_INFO_BY_FD = 15;
  private static final int BPF_PROG_QUERY = 16;
  private static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
  private static final int BPF_CGROUP_DEVICE = 6; // enum bpf_attach_type
  static final int BPF_F_ALLOW_MULTI = 2;
  static final int BPF_F_REPLACE = 4;
  private static final int O_RDONLY_DIRECTORY_CLOEXEC = 0200000 | 02000000;
  /** Larger than every layout used; the kernel accepts a longer attr whose tail is zero. */
  private static final int ATTR_BUFFER = 256;

  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int EBADF = 9;
  static final int EACCES = 13;
  static final int EINVAL = 22;
  static final int ENOSPC = 28;
  static final int ENOSYS = 38;

  private final BpfCalls calls;
  private final jnr.ffi.Runtime runtime;
  private final long sysBpf;

  private Bpf(BpfCalls calls, long sysBpf) {
    this.calls = calls;
    this.runtime = jnr.ffi.Runtime.getRuntime(calls);
    this.sysBpf = sysBpf;
  }

  /** The bpf() calls, or FAILED_PRECONDITION naming what this JVM lacks (jnr-ffi, a known architecture). */
  static Bpf open() throws ContainerException {
    long nr = switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> 321;
      case "aarch64" -> 280;
      default -> -1;
    };
    if (nr < 0) {
      throw ContainerException.failedPrecondition("cgroup2 device programs: the bpf() system call number of "
          + System.getProperty("os.arch") + " is not known to this bundle");
    }
    try {
      return new Bpf(Bound.CALLS, nr);
    } catch (LinkageError | RuntimeException e) {
      throw ContainerException.failedPrecondition("cgroup2 device programs need the bpf() system call through"
          + " jnr-ffi, which this JVM cannot load: " + e);
    }
  }

  /** Bound once per class loader (jnr-ffi generates the binding's class). */
  private static final class Bound {
    static final BpfCalls CALLS = LibraryLoader.create(BpfCalls.class).load("c");
  }

  private Pointer attr() {
    return Memory.allocateDirect(runtime, ATTR_BUFFER, true);
  }

  private int bpf(int cmd, Pointer attr, int size) {
    long rc = calls.syscall(sysBpf, cmd, attr, size);
    return rc < 0 ? -runtime.getLastError() : (int) rc;
  }

  /**
   * Loads a device program; its descriptor. FAILED_PRECONDITION naming what the kernel lacks (the bpf() call,
   * cgroup-device programs), PERMISSION_DENIED without CAP_BPF/CAP_SYS_ADMIN.
   */
  int load(byte[] insns) throws ContainerException {
    Pointer code = Memory.allocateDirect(runtime, insns.length, true);
    code.put(0, insns, 0, insns.length);
    byte[] lic = "Apache\0".getBytes(StandardCharsets.US_ASCII); // the kernel's MODULE_LICENSE form, as runc
    Pointer license = Memory.allocateDirect(runtime, lic.length, true);
    license.put(0, lic, 0, lic.length);
    Pointer a = attr();
    a.putInt(0, BPF_PROG_TYPE_CGROUP_DEVICE);
    a.putInt(4, insns.length / 8);
    a.putLong(8, code.address());
    a.putLong(16, license.address());
    byte[] name = PROGRAM_NAME.getBytes(StandardCharsets.US_ASCII);
    a.put(48, name, 0, name.length); // prog_name[16]
    a.putInt(68, BPF_CGROUP_DEVICE); // expected_attach_type
    int fd = bpf(BPF_PROG_LOAD, a, 72);
    if (fd >= 0) {
      return fd;
    }
    int errno = -fd;
    String log = "";
    if (errno == EINVAL || errno == EACCES) { // the verifier's reasons, for the message
      Pointer buf = Memory.allocateDirect(runtime, 65536, true);
      a.putInt(24, 1);
      a.putInt(28, 65536);
      a.putLong(32, buf.address());
      int again = bpf(BPF_PROG_LOAD, a, 72);
      if (again >= 0) {
        return again;
      }
      log = buf.getString(0, 65536, StandardCharsets.US_ASCII).strip();
    }
    throw switch (errno) {
      case ENOSYS -> ContainerException.failedPrecondition("This kernel has no bpf() system call"
          + " (CONFIG_BPF_SYSCALL), which cgroup2 device access control needs");
      case EPERM -> new ContainerException(StatusCode.PERMISSION_DENIED, "Loading a cgroup2 device program needs"
          + " CAP_BPF or CAP_SYS_ADMIN (bpf() answered EPERM)");
      case EINVAL -> ContainerException.failedPrecondition("This kernel does not load BPF_PROG_TYPE_CGROUP_DEVICE"
          + " programs (CONFIG_CGROUP_BPF), which cgroup2 device access control needs" + (log.isEmpty() ? ""
          : ": " + log));
      default -> ContainerException.internal("bpf(BPF_PROG_LOAD) of the device program failed: errno " + errno
          + (log.isEmpty() ? "" : ": " + log), null);
    };
  }

  /** A descriptor of the cgroup2 directory, for attach, detach and query. */
  int openCgroup(Path dir) throws ContainerException {
    int fd = calls.open(dir.toString(), O_RDONLY_DIRECTORY_CLOEXEC);
    if (fd < 0) {
      throw error(runtime.getLastError(), "open " + dir);
    }
    return fd;
  }

  /** An errno as the project's conventions map it (ENOENT NOT_FOUND, EBUSY FAILED_PRECONDITION, ...). */
  static ContainerException error(int errno, String what) {
    StatusCode code = switch (errno) {
      case ENOENT -> StatusCode.NOT_FOUND;
      case 17 -> StatusCode.ALREADY_EXISTS; // EEXIST
      case 16, ENOSPC, 7 -> StatusCode.FAILED_PRECONDITION; // EBUSY, ENOSPC, E2BIG (64 programs already)
      case EPERM, EACCES -> StatusCode.PERMISSION_DENIED;
      case EINVAL, EBADF -> StatusCode.INVALID_ARGUMENT;
      default -> StatusCode.INTERNAL;
    };
    return new ContainerException(code, what + ": errno " + errno);
  }

  void close(int fd) {
    if (fd >= 0) {
      calls.close(fd);
    }
  }

  /**
   * Attaches a device program to a cgroup with {@code BPF_F_ALLOW_MULTI} (every program of the cgroup and its
   * ancestors must allow an access), replacing {@code replaceFd} in the same step when it is not -1. The errno
   * when the kernel refuses, else 0.
   */
  int attach(int cgroupFd, int progFd, int replaceFd) {
    Pointer a = attr();
    a.putInt(0, cgroupFd);
    a.putInt(4, progFd);
    a.putInt(8, BPF_CGROUP_DEVICE);
    a.putInt(12, BPF_F_ALLOW_MULTI | (replaceFd >= 0 ? BPF_F_REPLACE : 0));
    a.putInt(16, replaceFd >= 0 ? replaceFd : 0);
    int rc = bpf(BPF_PROG_ATTACH, a, 20);
    return rc < 0 ? -rc : 0;
  }

  /** Detaches one program from a cgroup; the errno, else 0 (ENOENT: it was not attached). */
  int detach(int cgroupFd, int progFd) {
    Pointer a = attr();
    a.putInt(0, cgroupFd);
    a.putInt(4, progFd);
    a.putInt(8, BPF_CGROUP_DEVICE);
    int rc = bpf(BPF_PROG_DETACH, a, 12);
    return rc < 0 ? -rc : 0;
  }

  /** The ids of the device programs attached to the cgroup itself (not inherited ones). */
  List<Integer> attached(int cgroupFd) throws ContainerException {
    int capacity = 64; // the kernel's limit of programs per cgroup and type (BPF_CGROUP_MAX_PROGS)
    for (int attempt = 0; attempt < 5; attempt++) {
      Pointer ids = Memory.allocateDirect(runtime, 4 * capacity, true);
      Pointer a = attr();
      a.putInt(0, cgroupFd);
      a.putInt(4, BPF_CGROUP_DEVICE);
      a.putLong(16, ids.address());
      a.putInt(24, capacity);
      // The size covers the fields up to revision: kernels 6.17+ write it whatever size is passed (runc's note);
      // the buffer is larger in any case.
      int rc = bpf(BPF_PROG_QUERY, a, 64);
      int count = a.getInt(24);
      if (rc == -ENOSPC) {
        capacity = count;
        continue;
      }
      if (rc < 0) {
        throw ContainerException.internal("bpf(BPF_PROG_QUERY) of the cgroup's device programs failed: errno "
            + -rc, null);
      }
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        out.add(ids.getInt(4L * i));
      }
      return out;
    }
    throw ContainerException.internal("bpf(BPF_PROG_QUERY): the cgroup's device programs kept changing", null);
  }

  /** A descriptor of the program with this id, or -errno (EPERM/EACCES: an LSM hides it; ENOENT: gone). */
  int programById(int id) {
    Pointer a = attr();
    a.putInt(0, id);
    return bpf(BPF_PROG_GET_FD_BY_ID, a, 12);
  }

  /** A loaded program's name (bpf_prog_info.name), "" when it cannot be read. */
  String name(int progFd) {
    Pointer info = info(progFd);
    return info == null ? "" : info.getString(64, 16, StandardCharsets.US_ASCII);
  }

  /** A loaded program's id (bpf_prog_info.id), -1 when it cannot be read. */
  int id(int progFd) {
    Pointer info = info(progFd);
    return info == null ? -1 : info.getInt(4);
  }

  private Pointer info(int progFd) {
    Pointer info = Memory.allocateDirect(runtime, 128, true);
    Pointer a = attr();
    a.putInt(0, progFd);
    a.putInt(4, 80); // struct bpf_prog_info up to and including name[16]
    a.putLong(8, info.address());
    return bpf(BPF_OBJ_GET_INFO_BY_FD, a, 16) < 0 ? null : info;
  }
}

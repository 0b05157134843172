package org.lmctfy.benchmarks;

import java.io.File;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * Waiting for a process that is not this JVM's child (the exec helper's or a virtual host's init's): until it
 * is gone from /proc, i.e. reaped by its parent, as the C floors' waitpid sees its end. It sleeps on the
 * process's pidfd (pidfd_open(2), poll(2)) until the exit, then samples /proc for the reap, which follows at
 * once; without pidfds it samples /proc every 20 µs from the start. (Returning at the exit alone, before the
 * reap, would let the next destroy race a parent that has not reaped yet.)
 */
final class Procs {
  private Procs() {}

  /** The C library calls this needs, bound by jnr-ffi (a dependency of the core). */
  public interface Libc {
    int syscall(long number, long a, long b);

    int poll(@In @Out Pointer fds, long nfds, int timeoutMs);

    int close(int fd);
  }

  private static final long SYS_PIDFD_OPEN = 434;
  private static final Libc LIBC = load();

  private static Libc load() {
    try {
      return LibraryLoader.create(Libc.class).load("c");
    } catch (LinkageError | RuntimeException e) {
      return null;
    }
  }

  /**
   * Returns once {@code pid} is gone, at most after 10 s. java.io.File: Java 17's Files.exists throws and
   * catches an exception for the missing file, which the benchmark would measure.
   */
  static void awaitGone(long pid) {
    if (LIBC != null) {
      int fd = LIBC.syscall(SYS_PIDFD_OPEN, pid, 0);
      if (fd >= 0) {
        try {
          Pointer p = Memory.allocateDirect(Runtime.getRuntime(LIBC), 8);
          p.putInt(0, fd);
          p.putShort(4, (short) 1); // POLLIN: the process has exited
          LIBC.poll(p, 1, 10_000);
        } finally {
          LIBC.close(fd);
        }
      }
    }
    File proc = new File("/proc/" + pid);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (proc.exists() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(20_000);
    }
  }
}

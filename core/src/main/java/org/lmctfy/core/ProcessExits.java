package org.lmctfy.core;

import java.util.List;
import java.util.concurrent.TimeUnit;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Waits for processes to end on their pidfds (pidfd_open(2), Linux 5.3): the kernel wakes the waiter at the
 * exit, where sampling a cgroup's {@code cgroup.events} slept in steps and read the file again each time (and
 * poll(2) on that file is no substitute: the kernel spaces its notifications 10 ms apart). A pid
 * namespace's init ends only after every other process of the namespace (zap_pid_ns_processes), so a virtual
 * host's destroy waits on one descriptor. Without pidfds (an older kernel, no jnr-ffi binding) the caller
 * samples as before.
 */
final class ProcessExits {
  private ProcessExits() {}

  /** pidfd_open's number: the same on every architecture (the unified syscall table from 424 on). */
  private static final long SYS_PIDFD_OPEN = 434;
  private static final short POLLIN = 0x1;
  /** More processes than this are sampled instead: a descriptor each would be many. */
  static final int MAX_PIDS = 64;
  private static final int ESRCH = 3;

  /**
   * Waits at most {@code timeoutNanos} for every one of {@code pids} to end (a pid already gone counts as
   * ended). Returns whether it could wait on descriptors (false: no pidfd here, or too many processes, the
   * caller samples); true does not mean they all ended within the time.
   */
  static boolean await(List<Long> pids, long timeoutNanos) {
    if (pids.isEmpty()) {
      return true;
    }
    if (pids.size() > MAX_PIDS || Bound.LIBC == null) {
      return false;
    }
    Libc libc = Bound.LIBC;
    Runtime runtime = Runtime.getRuntime(libc);
    Pointer fds = Memory.allocateDirect(runtime, 8 * pids.size());
    int n = 0;
    try {
      for (long pid : pids) {
        int fd = libc.syscall(SYS_PIDFD_OPEN, pid, 0);
        if (fd < 0) {
          if (runtime.getLastError() == ESRCH) {
            continue; // gone (reaped) already
          }
          return false; // ENOSYS (a kernel before 5.3), EMFILE, ...
        }
        fds.putInt(8L * n, fd);
        fds.putShort(8L * n + 4, POLLIN);
        fds.putShort(8L * n + 6, (short) 0);
        n++;
      }
      long deadline = System.nanoTime() + timeoutNanos;
      int open = n;
      while (open > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return true;
        }
        int rc = libc.poll(fds, n, (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999)));
        if (rc < 0) {
          return true; // EINTR: the caller looks at the cgroup and comes back if need be
        }
        open = 0;
        for (int i = 0; i < n; i++) {
          if (fds.getInt(8L * i) < 0) {
            continue;
          }
          if (fds.getShort(8L * i + 6) != 0) { // ended (POLLIN), or POLLHUP/POLLERR: nothing more to wait for
            libc.close(fds.getInt(8L * i));
            fds.putInt(8L * i, -1); // poll(2) ignores negative descriptors
          } else {
            open++;
          }
        }
      }
      return true;
    } finally {
      for (int i = 0; i < n; i++) {
        int fd = fds.getInt(8L * i);
        if (fd >= 0) {
          libc.close(fd);
        }
      }
    }
  }

  /** Bound once per class loader; null where jnr-ffi cannot bind the C library. */
  private static final class Bound {
    static final Libc LIBC = load();

    private static Libc load() {
      try {
        return LibraryLoader.create(Libc.class).load("c");
      } catch (LinkageError | RuntimeException e) {
        return null;
      }
    }
  }
}

package org.lmctfy.core;

import java.util.List;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The exits of processes a kill is about to end, waited for on their pidfds (pidfd_open(2), Linux 5.3), which
 * the kernel makes readable when a process has exited: no sampling, and an exact end. Opened before the kill
 * on purpose: a pid namespace's init leaves its cgroup (cgroup_exit) before it has reaped its namespace
 * (zap_pid_ns_processes runs later in its exit), so an empty cgroup alone would end a destroy while the
 * virtual host's namespaces still exist; its pidfd is readable only after. poll(2) on {@code cgroup.events}
 * is no substitute: the kernel spaces that file's notifications 10 ms apart. Without pidfds (an older kernel,
 * no jnr-ffi binding, more than {@link #MAX_PIDS} processes) {@link #supported()} is false and the caller
 * samples as before.
 */
final class ProcessExits implements AutoCloseable {
  /** pidfd_open's number: the same on every architecture (the unified syscall table from 424 on). */
  private static final long SYS_PIDFD_OPEN = 434;
  private static final short POLLIN = 0x1;
  /** More processes than this are sampled instead: a descriptor each would be many. */
  static final int MAX_PIDS = 64;
  private static final int ESRCH = 3;

  private final Libc libc;
  private final Pointer fds;
  private final int n;
  private int open;

  private ProcessExits(Libc libc, Pointer fds, int n) {
    this.libc = libc;
    this.fds = fds;
    this.n = n;
    this.open = n;
  }

  /** The pidfds of {@code pids} (a pid gone already is left out). */
  static ProcessExits open(List<Long> pids) {
    Libc libc = Libc.get();
    if (libc == null || pids.size() > MAX_PIDS) {
      return new ProcessExits(null, null, 0);
    }
    Runtime runtime = Runtime.getRuntime(libc);
    Pointer fds = Memory.allocateDirect(runtime, 8L * Math.max(1, pids.size()));
    int n = 0;
    for (long pid : pids) {
      int fd = libc.syscall(SYS_PIDFD_OPEN, pid, 0);
      if (fd < 0) {
        if (runtime.getLastError() == ESRCH) {
          continue; // gone (reaped) already
        }
        for (int i = 0; i < n; i++) { // ENOSYS (a kernel before 5.3), EMFILE, ...: sampled instead
          libc.close(fds.getInt(8L * i));
        }
        return new ProcessExits(null, null, 0);
      }
      fds.putInt(8L * n, fd);
      fds.putShort(8L * n + 4, POLLIN);
      fds.putShort(8L * n + 6, (short) 0);
      n++;
    }
    return new ProcessExits(libc, fds, n);
  }

  /** Whether the exits are known from pidfds (else the caller samples). */
  boolean supported() {
    return libc != null;
  }

  /** Waits at most {@code timeoutNanos} for every process to have exited; whether they all have. */
  boolean await(long timeoutNanos) {
    if (libc == null) {
      return false;
    }
    long deadline = System.nanoTime() + timeoutNanos;
    while (open > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      if (libc.poll(fds, n, (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999))) < 0) {
        return false; // EINTR: the caller looks at the cgroup and comes back
      }
      open = 0;
      for (int i = 0; i < n; i++) {
        int fd = fds.getInt(8L * i);
        if (fd < 0) {
          continue;
        }
        if (fds.getShort(8L * i + 6) != 0) { // exited (POLLIN), or POLLHUP/POLLERR: nothing more to wait for
          libc.close(fd);
          fds.putInt(8L * i, -1); // poll(2) ignores negative descriptors
        } else {
          open++;
        }
      }
    }
    return true;
  }

  @Override
  public void close() {
    for (int i = 0; i < n; i++) {
      int fd = fds.getInt(8L * i);
      if (fd >= 0) {
        libc.close(fd);
        fds.putInt(8L * i, -1);
      }
    }
  }
}

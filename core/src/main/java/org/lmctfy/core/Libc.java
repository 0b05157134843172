package org.lmctfy.core;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The C library calls the core makes itself, bound by jnr-ffi, which comes with jnr-posix (whose own binding has
 * none of them): those the event loop sleeps on (epoll(7), inotify(7), eventfd(2)), those a destroy waits on
 * (pidfd_open(2) through syscall(2), poll(2)) and those a virtual host's init is asked through (socket(7) with
 * SCM_RIGHTS and SCM_CREDENTIALS: InitSpawn). Public only because jnr-ffi implements it in a class loader of its
 * own; the package is private to the core bundle.
 */
public interface Libc {
  /** The binding, made once per class loader; null where jnr-ffi cannot bind the C library. */
  static Libc get() {
    return Bound.LIBC;
  }
  int epoll_create1(int flags);

  int epoll_ctl(int epfd, int op, int fd, @In Pointer event);

  int epoll_wait(int epfd, @Out Pointer events, int maxevents, int timeoutMs);

  int inotify_init1(int flags);

  int inotify_add_watch(int fd, String path, int mask);

  int inotify_rm_watch(int fd, int wd);

  int eventfd(int initval, int flags);

  int pipe2(@Out int[] fds, int flags);

  @ssize_t long read(int fd, @Out Pointer buf, @size_t long count);

  @ssize_t long write(int fd, @In Pointer buf, @size_t long count);

  int close(int fd);

  /** syscall(2) with two integer arguments (pidfd_open). */
  int syscall(long number, long a, long b);

  int poll(@In @Out Pointer fds, long nfds, int timeoutMs);

  int socket(int domain, int type, int protocol);

  int connect(int fd, @In Pointer addr, int len);

  int setsockopt(int fd, int level, int name, @In Pointer value, int len);

  int getsockopt(int fd, int level, int name, @Out Pointer value, @In @Out Pointer len);

  @ssize_t long sendmsg(int fd, @In Pointer msg, int flags);

  @ssize_t long recvmsg(int fd, @In @Out Pointer msg, int flags);

  /** Holds the binding of {@link #get()}. */
  final class Bound {
    private Bound() {}

    static final Libc LIBC = load();

    private static Libc load() {
      try {
        return jnr.ffi.LibraryLoader.create(Libc.class).load("c");
      } catch (LinkageError | RuntimeException e) {
        return null;
      }
    }
  }
}

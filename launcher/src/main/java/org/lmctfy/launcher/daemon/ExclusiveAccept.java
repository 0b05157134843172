package org.lmctfy.launcher.daemon;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.util.Optional;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Wake-one waiting for lmctfyd's connections: every idle serving thread waits in an epoll(7) set of its own
 * holding the listening socket with EPOLLEXCLUSIVE, so a connection wakes one of them, which accepts it (the
 * socket is non-blocking) and serves it itself. The JDK's blocking {@code accept} lets one thread at a time
 * into the system call and hands over to the next when it returns, and an acceptor thread passes each
 * connection to a worker: either way a second thread is woken for every connection. A wake-up on another
 * CPU is an inter-processor interrupt, which in a VM costs the waking CPU tens of microseconds (measured on
 * this project's 2-CPU test VM: about a tenth of a short command line). Also holds, for shutting down, an
 * eventfd that every set watches: once written, every waiting thread returns and sees the server closing.
 */
final class ExclusiveAccept {
  /** epoll and eventfd by jnr-ffi (jnr-posix binds neither). */
  public interface Libc {
    int epoll_create1(int flags);

    int epoll_ctl(int epfd, int op, int fd, Pointer event);

    int epoll_wait(int epfd, Pointer events, int maxevents, int timeout);

    int eventfd(int initval, int flags);

    long write(int fd, Pointer buf, long count);

    int close(int fd);
  }

  private static final int EPOLL_CLOEXEC = 02000000;
  private static final int EPOLL_CTL_ADD = 1;
  private static final int EPOLLIN = 0x001;
  private static final int EPOLLEXCLUSIVE = 1 << 28;
  private static final int EFD_CLOEXEC = 02000000;
  private static final int EFD_NONBLOCK = 04000;
  private static final long LISTEN = 1;
  private static final long CLOSED = 2;

  private final Libc libc;
  private final jnr.ffi.Runtime runtime;
  private final int eventSize;
  private final int dataOffset;
  private final int listenFd;
  private final int closeFd;
  /** Waiters not yet closed, and whether {@link #close} ran (guarded by this): the eventfd outlives both. */
  private int live;
  private boolean closed;

  private ExclusiveAccept(Libc libc, int eventSize, int dataOffset, int listenFd, int closeFd) {
    this.libc = libc;
    this.runtime = jnr.ffi.Runtime.getRuntime(libc);
    this.eventSize = eventSize;
    this.dataOffset = dataOffset;
    this.listenFd = listenFd;
    this.closeFd = closeFd;
  }

  /**
   * Wake-one waiting on {@code server} (made non-blocking here), or empty where it cannot be had: the JDK's
   * descriptor number is not open to this code (bin/lmctfyd opens it: {@code --add-opens
   * java.base/sun.nio.ch=ALL-UNNAMED}), jnr-ffi cannot bind the C library, or the kernel predates
   * EPOLLEXCLUSIVE (Linux 4.5). The caller then accepts the JDK's way.
   */
  static Optional<ExclusiveAccept> open(ServerSocketChannel server) {
    int size;
    int offset;
    switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> {
        size = 12; // struct epoll_event is packed on x86-64
        offset = 4;
      }
      case "aarch64" -> {
        size = 16;
        offset = 8;
      }
      default -> {
        return Optional.empty();
      }
    }
    java.util.OptionalInt listenFd = ChannelFds.of(server);
    if (listenFd.isEmpty()) {
      return Optional.empty();
    }
    try {
      Libc libc = jnr.ffi.LibraryLoader.create(Libc.class).load("c");
      int closeFd = libc.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
      if (closeFd < 0) {
        return Optional.empty();
      }
      ExclusiveAccept a = new ExclusiveAccept(libc, size, offset, listenFd.getAsInt(), closeFd);
      Waiter probe = a.waiter(); // EPOLLEXCLUSIVE refused (EINVAL) by an older kernel shows here
      if (probe == null) {
        libc.close(closeFd);
        return Optional.empty();
      }
      probe.close();
      try {
        server.configureBlocking(false);
      } catch (IOException e) {
        libc.close(closeFd);
        throw e;
      }
      return Optional.of(a);
    } catch (LinkageError | RuntimeException | IOException e) {
      DaemonServer.LOG.fine("connections accepted the JDK's way: " + e);
      return Optional.empty();
    }
  }

  /** A thread's own epoll set, or null when one cannot be made (out of descriptors). */
  Waiter waiter() {
    synchronized (this) {
      if (closed) {
        return null;
      }
      live++;
    }
    int epfd = libc.epoll_create1(EPOLL_CLOEXEC);
    Pointer ev = Memory.allocateDirect(runtime, eventSize);
    if (epfd >= 0) {
      ev.putInt(0, EPOLLIN | EPOLLEXCLUSIVE);
      ev.putLong(dataOffset, LISTEN);
      if (libc.epoll_ctl(epfd, EPOLL_CTL_ADD, listenFd, ev) == 0) {
        ev.putInt(0, EPOLLIN);
        ev.putLong(dataOffset, CLOSED);
        if (libc.epoll_ctl(epfd, EPOLL_CTL_ADD, closeFd, ev) == 0) {
          return new Waiter(epfd, ev);
        }
      }
      libc.close(epfd);
    }
    released();
    return null;
  }

  private void released() {
    synchronized (this) {
      live--;
      if (closed && live == 0) {
        libc.close(closeFd);
      }
    }
  }

  /** Wakes every waiting thread for good; the eventfd is closed once the last waiter is. */
  void close() {
    Pointer one = Memory.allocateDirect(runtime, 8);
    one.putLong(0, 1);
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      libc.write(closeFd, one, 8); // never read: stays readable, so a later wait returns at once too
      if (live == 0) {
        libc.close(closeFd);
      }
    }
  }

  /** One thread's epoll set. */
  final class Waiter implements AutoCloseable {
    private final int epfd;
    private final Pointer events;

    private Waiter(int epfd, Pointer events) {
      this.epfd = epfd;
      this.events = events;
    }

    /** Waits until a connection may be there (true), or until the server closes (false). */
    boolean await() {
      while (true) {
        int n = libc.epoll_wait(epfd, events, 1, -1);
        if (n == 1) {
          return events.getLong(dataOffset) == LISTEN;
        }
        if (n < 0 && runtime.getLastError() != 4) { // anything but EINTR
          return false;
        }
      }
    }

    @Override
    public void close() {
      libc.close(epfd);
      released();
    }
  }
}

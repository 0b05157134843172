package org.lmctfy.core;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;

/**
 * One epoll(7) set holding every probe's descriptor, one inotify(7) descriptor for the watched files, and a
 * pipe of its own to wake the loop (the self-pipe trick; a pipe rather than an eventfd so that the JVM's
 * eventfds are the probes'): the loop's only system call while nothing happens is epoll_wait.
 * Java's selectors cannot hold an eventfd, and the JDK's WatchService polls its inotify descriptor on a thread
 * of its own, so both are done here through jnr-ffi.
 */
final class EpollWait implements EventWait {
  private static final int EPOLL_CLOEXEC = 02000000;
  private static final int EPOLL_CTL_ADD = 1;
  private static final int EPOLL_CTL_DEL = 2;
  private static final int EPOLLIN = 0x001;
  private static final int NONBLOCK = 04000;
  private static final int CLOEXEC = 02000000;
  private static final int IN_MODIFY = 0x002;
  private static final int IN_CREATE = 0x100;
  private static final int IN_MOVED_TO = 0x080;
  private static final int IN_DELETE_SELF = 0x400;
  private static final int IN_IGNORED = 0x8000;
  private static final int INOTIFY_HEADER = 16; // struct inotify_event without its name
  private static final int EINTR = 4;
  private static final long WAKE = 0;
  private static final long INOTIFY = -1;
  private static final int MAX_EVENTS = 256;

  private final Libc libc;
  private final jnr.ffi.Runtime runtime;
  /** sizeof(struct epoll_event) and the offset of its data: packed on x86-64, aligned elsewhere. */
  private final int eventSize;
  private final int dataOffset;
  private final int epfd;
  /** The wake-up pipe: the loop reads [0], any thread writes a byte to [1]. */
  private final int wakeFd;
  private final int wakeWriteFd;
  /** Made at the first watch: the instances a user may have are few (fs.inotify.max_user_instances). */
  private volatile int inotifyFd = -1;
  private final Pointer events;
  private final Pointer inotifyBuffer;
  private final Pointer counter;
  private final Pointer one;
  /** Watched directories: inotify's watch descriptor and how many registrations watch there (guarded by this). */
  private final Map<Path, int[]> watches = new HashMap<>();
  private final Map<Integer, Path> watchedDirs = new HashMap<>();
  private boolean closed;

  private EpollWait(Libc libc, int eventSize, int dataOffset) throws ContainerException {
    this.libc = libc;
    this.runtime = jnr.ffi.Runtime.getRuntime(libc);
    this.eventSize = eventSize;
    this.dataOffset = dataOffset;
    this.events = Memory.allocateDirect(runtime, eventSize * MAX_EVENTS);
    this.inotifyBuffer = Memory.allocateDirect(runtime, 64 * 1024);
    this.counter = Memory.allocateDirect(runtime, 8);
    this.one = Memory.allocateDirect(runtime, 8);
    one.putLong(0, 1);
    epfd = check(libc.epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
    int[] pipe = {-1, -1};
    try {
      check(libc.pipe2(pipe, NONBLOCK | CLOEXEC), "pipe2");
      ctl(EPOLL_CTL_ADD, pipe[0], WAKE);
    } catch (ContainerException e) {
      for (int fd : new int[] {pipe[0], pipe[1], epfd}) {
        if (fd >= 0) {
          libc.close(fd);
        }
      }
      throw e;
    }
    wakeFd = pipe[0];
    wakeWriteFd = pipe[1];
  }

  /** An epoll wait, or empty where jnr-ffi or the C library's calls are not available (the caller samples). */
  static java.util.Optional<EventWait> open() {
    int size;
    int offset;
    switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> {
        size = 12; // __attribute__((packed)) on x86-64
        offset = 4;
      }
      case "aarch64" -> {
        size = 16;
        offset = 8;
      }
      default -> {
        return java.util.Optional.empty();
      }
    }
    try {
      Libc libc = Libc.get();
      if (libc == null) {
        throw new LinkageError("jnr-ffi cannot bind the C library");
      }
      return java.util.Optional.of(new EpollWait(libc, size, offset));
    } catch (LinkageError | RuntimeException | ContainerException e) {
      System.getLogger(EpollWait.class.getName()).log(System.Logger.Level.INFO,
          "notifications without epoll (idle registrations are sampled): " + e);
      return java.util.Optional.empty();
    }
  }


  private int check(int rc, String call) throws ContainerException {
    if (rc < 0) {
      int errno = runtime.getLastError();
      throw new ContainerException(errno == 24 || errno == 23 || errno == 28 ? StatusCode.RESOURCE_EXHAUSTED
          : StatusCode.INTERNAL, call + " failed for the notification loop: errno " + errno);
    }
    return rc;
  }

  private int ctl(int op, int fd, long token) throws ContainerException {
    Pointer ev = Memory.allocateDirect(runtime, eventSize);
    ev.putInt(0, EPOLLIN);
    ev.putLong(dataOffset, token);
    return check(libc.epoll_ctl(epfd, op, fd, ev), "epoll_ctl of descriptor " + fd);
  }

  @Override
  public boolean waitsOnDescriptors() {
    return true;
  }

  @Override
  public synchronized void add(int fd, long token) throws ContainerException {
    if (closed) {
      throw ContainerException.unavailable("The notification loop is shut down");
    }
    ctl(EPOLL_CTL_ADD, fd, token);
  }

  @Override
  public synchronized void remove(int fd) {
    if (closed) {
      return; // closing epoll's descriptor removed it
    }
    // Closing the descriptor removes it too, but only once no duplicate of it is left open anywhere.
    libc.epoll_ctl(epfd, EPOLL_CTL_DEL, fd, one); // the event is ignored (non-null before Linux 2.6.9)
  }

  @Override
  public synchronized void watch(Path dir) throws ContainerException {
    if (closed) {
      throw ContainerException.unavailable("The notification loop is shut down");
    }
    int[] w = watches.get(dir);
    if (w != null) {
      w[1]++;
      return;
    }
    if (inotifyFd < 0) {
      int i = check(libc.inotify_init1(NONBLOCK | CLOEXEC), "inotify_init1");
      try {
        ctl(EPOLL_CTL_ADD, i, INOTIFY);
      } catch (ContainerException e) {
        libc.close(i);
        throw e;
      }
      inotifyFd = i;
    }
    int wd = libc.inotify_add_watch(inotifyFd, dir.toString(), IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF);
    if (wd < 0) {
      int errno = runtime.getLastError();
      throw new ContainerException(errno == 2 ? StatusCode.NOT_FOUND : errno == 28 ? StatusCode.RESOURCE_EXHAUSTED
          : StatusCode.INTERNAL, "inotify_add_watch of " + dir + " failed: errno " + errno
          + (errno == 28 ? " (raise fs.inotify.max_user_watches)" : ""));
    }
    watches.put(dir, new int[] {wd, 1});
    watchedDirs.put(wd, dir);
  }

  @Override
  public synchronized void unwatch(Path dir) {
    int[] w = watches.get(dir);
    if (w != null && --w[1] == 0 && !closed) {
      watches.remove(dir);
      if (watchedDirs.remove(w[0]) != null) {
        libc.inotify_rm_watch(inotifyFd, w[0]);
      }
    }
  }

  @Override
  public void await(long timeoutNanos, Set<Long> readyTokens, Set<Path> changedFiles) {
    int timeoutMs = timeoutNanos == FOREVER ? -1
        : (int) Math.min(Integer.MAX_VALUE, (Math.max(0, timeoutNanos) + 999_999) / 1_000_000);
    int n = libc.epoll_wait(epfd, events, MAX_EVENTS, timeoutMs);
    if (n < 0 && runtime.getLastError() != EINTR) {
      throw new IllegalStateException("epoll_wait failed: errno " + runtime.getLastError());
    }
    for (int i = 0; i < n; i++) {
      long token = events.getLong((long) i * eventSize + dataOffset);
      if (token == WAKE) {
        while (libc.read(wakeFd, counter, 8) == 8) {
          // drained: wake-ups only end the wait
        }
      } else if (token == INOTIFY) {
        readInotify(changedFiles);
      } else {
        readyTokens.add(token);
      }
    }
  }

  private void readInotify(Set<Path> changedFiles) {
    long len;
    while ((len = libc.read(inotifyFd, inotifyBuffer, inotifyBuffer.size())) > 0) {
      synchronized (this) {
        for (long at = 0; at + INOTIFY_HEADER <= len; ) {
          int wd = inotifyBuffer.getInt(at);
          int mask = inotifyBuffer.getInt(at + 4);
          int nameLen = inotifyBuffer.getInt(at + 12);
          String name = nameLen == 0 ? "" : inotifyBuffer.getString(at + INOTIFY_HEADER, nameLen,
              java.nio.charset.StandardCharsets.UTF_8);
          Path dir = watchedDirs.get(wd);
          if (dir != null) {
            // The directory itself went (IN_IGNORED, IN_DELETE_SELF): every file watched there is looked at.
            changedFiles.add(name.isEmpty() ? dir : dir.resolve(name));
            if ((mask & IN_IGNORED) != 0) {
              watchedDirs.remove(wd);
            }
          }
          at += INOTIFY_HEADER + nameLen;
        }
      }
    }
  }

  @Override
  public synchronized void wake() {
    if (!closed) {
      libc.write(wakeWriteFd, one, 1); // a full pipe (EAGAIN) already holds a wake-up
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      if (inotifyFd >= 0) {
        libc.close(inotifyFd);
      }
      libc.close(wakeFd);
      libc.close(wakeWriteFd);
      libc.close(epfd);
    }
  }
}

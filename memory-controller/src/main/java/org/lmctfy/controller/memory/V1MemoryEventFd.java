package org.lmctfy.controller.memory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.lmctfy.api.ContainerException;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * cgroup v1's own memory notifications (Documentation/admin-guide/cgroup-v1/memory.rst, "Memory thresholds"
 * and "OOM Control"; lmctfy's C++ used them too): an eventfd registered with {@code cgroup.event_control}
 * for {@code memory.usage_in_bytes} and a threshold, which the kernel signals every time usage crosses it,
 * in either direction, so no crossing is missed however briefly usage stays above it; or for
 * {@code memory.oom_control}, signalled when the cgroup runs out of memory. Needs jnr-posix for eventfd2
 * and open; the registrations answer null where that is not available (the caller samples instead).
 */
final class V1MemoryEventFd implements AutoCloseable {
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 02000000;
  private static final int EFD_NONBLOCK = 04000;
  private static final int EAGAIN = 11;
  private static final String EVENT_CONTROL = "cgroup.event_control";

  private final POSIX posix;
  private final int efd;
  private final byte[] counter = new byte[8];
  /** The kernel's side of the threshold as of the signals read so far: usage >= threshold. */
  private boolean above;
  private boolean closed;

  private V1MemoryEventFd(POSIX posix, int efd, boolean above) {
    this.posix = posix;
    this.efd = efd;
    this.above = above;
  }

  private static int eventfd2() {
    return switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> 290;
      case "aarch64" -> 19;
      default -> -1;
    };
  }

  /**
   * Registers for the OOM notifications of the memory cgroup {@code dir} (memory.oom_control: signalled
   * when the cgroup, or an ancestor, runs out of memory, before the OOM killer acts); null when this JVM
   * cannot (as {@link #registerThreshold}). NOT_FOUND when the cgroup is gone.
   */
  static V1MemoryEventFd registerOom(Path dir) throws ContainerException {
    return register(dir, MemoryHandler.OOM_CONTROL, "", false);
  }

  /**
   * Registers the threshold of the memory cgroup {@code dir}; null when this JVM cannot (no native jnr-posix,
   * an architecture whose eventfd2 number is not known here, a kernel without cgroup.event_control).
   * NOT_FOUND when the cgroup is gone.
   */
  static V1MemoryEventFd registerThreshold(Path dir, long threshold) throws ContainerException {
    // The kernel takes its side of the threshold from usage when the event is registered; usage read on
    // both sides of the registration tells that side unless usage crossed meanwhile, then it is tried again.
    for (int attempt = 0; attempt < 5; attempt++) {
      boolean before = ControlFiles.readLong(dir, MemoryHandler.USAGE) >= threshold;
      V1MemoryEventFd fd = register(dir, MemoryHandler.USAGE, " " + threshold, before);
      if (fd == null) {
        return null;
      }
      try {
        if ((ControlFiles.readLong(dir, MemoryHandler.USAGE) >= threshold) == before) {
          return fd;
        }
      } catch (ContainerException | RuntimeException e) {
        fd.close();
        throw e;
      }
      fd.close();
    }
    return null; // usage keeps crossing the threshold at this very moment: sampling will do
  }

  /**
   * An eventfd registered with cgroup.event_control for {@code file} of {@code dir} ("efd cfd" and
   * {@code args}); null where that cannot be done here, NOT_FOUND when the cgroup is gone.
   */
  private static V1MemoryEventFd register(Path dir, String file, String args, boolean above)
      throws ContainerException {
    int nr = eventfd2();
    if (nr < 0) {
      return null;
    }
    POSIX posix = POSIXFactory.getNativePOSIX();
    if (!posix.isNative()) {
      return null;
    }
    int efd = posix.libc().syscall(nr, 0, O_CLOEXEC | EFD_NONBLOCK);
    if (efd < 0) {
      return null;
    }
    V1MemoryEventFd fd = new V1MemoryEventFd(posix, efd, above);
    try {
      int cfd = posix.open(dir.resolve(file).toString(), O_RDONLY | O_CLOEXEC, 0);
      if (cfd < 0) {
        ControlFiles.read(dir, file); // NOT_FOUND when the cgroup is gone
        fd.close();
        return null;
      }
      try {
        Files.writeString(dir.resolve(EVENT_CONTROL), efd + " " + cfd + args);
      } finally {
        posix.close(cfd);
      }
      return fd;
    } catch (NoSuchFileException e) {
      fd.close();
      if (!ControlFiles.isDirectory(dir)) {
        throw KernelErrors.map(e, "register for the events of " + dir.resolve(file));
      }
      return null; // no cgroup.event_control in this kernel
    } catch (IOException e) {
      fd.close();
      return null;
    } catch (ContainerException | RuntimeException e) {
      fd.close();
      throw e;
    }
  }

  /** The eventfd, readable while the kernel's signals are unread. */
  int descriptor() {
    return efd;
  }

  boolean above() {
    return above;
  }

  /** How many times the kernel signalled since the previous read (0 without waiting). */
  long signals() throws ContainerException {
    int n = posix.read(efd, counter, 8);
    if (n < 0) {
      int errno = posix.errno();
      if (errno == EAGAIN) {
        return 0;
      }
      throw ContainerException.internal("read of a memory eventfd failed: errno " + errno, null);
    }
    long signals = 0;
    for (int i = 7; i >= 0; i--) {
      signals = (signals << 8) | (counter[i] & 0xff); // the eventfd counter is in host (little-endian) order
    }
    return signals;
  }

  /** The upward crossings the kernel signalled since the previous call (it signals both directions). */
  int upwardCrossings() throws ContainerException {
    long signals = signals();
    // Crossings alternate: from below, the 1st, 3rd, ... are upward; from above, the 2nd, 4th, ...
    long up = above ? signals / 2 : (signals + 1) / 2;
    if ((signals & 1) == 1) {
      above = !above;
    }
    return (int) Math.min(Integer.MAX_VALUE, up);
  }

  /** Closing the eventfd unregisters the event in the kernel. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      posix.close(efd);
    }
  }
}

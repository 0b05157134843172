package org.lmctfy.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.StatusCode;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * Serializes administrative operations on one container, within this JVM and across processes (the CLI
 * and the daemon): a fixed set of lock files in the state directory, one per stripe of names, each taken
 * with a thread lock then a file lock. An operation holds one container lock at a time (create holds its
 * parent's: see docs/ARCHITECTURE.md, "Crash consistency"), so stripes shared by several names cannot
 * deadlock; a wait is bounded all the same ({@link #WAIT_MS}) and its error names the holder, which every
 * holder writes into the lock file (and this JVM keeps in memory).
 *
 * <p>The stripes are JVM-wide (a static map keyed by file): the JDK refuses a second FileLock on a file
 * this JVM already locks, so two ContainerApi instances in one JVM must share them. A process killed with
 * SIGKILL releases its file locks with its descriptors.
 */
final class ContainerLocks {
  static final int STRIPES = 64;
  /** Upper bound on waiting for a container lock: longer than a destroy's kill (10 s) and rmdir bounds. */
  static final long WAIT_MS = 30_000;

  private static final ConcurrentHashMap<Path, Stripe> STRIPES_BY_FILE = new ConcurrentHashMap<>();

  private final Path dir;
  private final long waitMs;

  ContainerLocks(Path dir) {
    this(dir, WAIT_MS);
  }

  ContainerLocks(Path dir, long waitMs) {
    this.dir = dir;
    this.waitMs = waitMs;
  }

  /** A held lock; close to release. */
  interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /** The holder's description: one line, padded to this size (what follows the newline is stale). */
  private static final int HOLDER_BYTES = 256;

  private static final class Stripe {
    final ReentrantLock threadLock = new ReentrantLock();
    FileChannel channel;
    FileLock fileLock;
    volatile String holder = "";
  }

  Path fileFor(ContainerName name) {
    return dir.resolve(String.format("%02d.lock", Math.floorMod(name.hashCode(), STRIPES)));
  }

  Held lock(ContainerName name) throws ContainerException {
    return lock(name, "an operation on " + name);
  }

  /** @param what the operation, for the error of whoever waits in vain (e.g. "destroy /a") */
  Held lock(ContainerName name, String what) throws ContainerException {
    Path file = fileFor(name).toAbsolutePath().normalize();
    Stripe s = STRIPES_BY_FILE.computeIfAbsent(file, f -> new Stripe());
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
    try {
      if (!s.threadLock.tryLock(waitMs, TimeUnit.MILLISECONDS)) {
        throw busy(name, what, s.holder);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerException(StatusCode.CANCELLED, "interrupted while waiting to " + what);
    }
    if (s.threadLock.getHoldCount() > 1) {
      return s.threadLock::unlock; // this thread already holds the file lock of the stripe
    }
    try {
      if (s.channel == null || !s.channel.isOpen()) {
        Files.createDirectories(dir);
        s.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
      }
      long pause = TimeUnit.MICROSECONDS.toNanos(100);
      while ((s.fileLock = s.channel.tryLock()) == null) {
        if (System.nanoTime() > deadline) {
          throw busy(name, what, holderIn(s.channel));
        }
        LockSupport.parkNanos(pause);
        pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(2));
      }
      String holder = what + " by pid " + ProcessHandle.current().pid() + " since " + System.currentTimeMillis();
      s.holder = holder;
      // One pwrite of a fixed-size line (padded), no truncate: 1 system call instead of 5 per lock.
      byte[] line = new byte[HOLDER_BYTES];
      java.util.Arrays.fill(line, (byte) ' ');
      byte[] text = holder.getBytes(StandardCharsets.UTF_8);
      int n = Math.min(text.length, HOLDER_BYTES - 1);
      System.arraycopy(text, 0, line, 0, n);
      line[n] = '\n';
      s.channel.write(ByteBuffer.wrap(line), 0);
    } catch (IOException | ContainerException | RuntimeException e) {
      if (s.fileLock != null) {
        try {
          s.fileLock.release();
        } catch (IOException ignored) {
          // released with the channel at the latest
        }
        s.fileLock = null;
      }
      s.threadLock.unlock();
      if (e instanceof ContainerException) {
        throw (ContainerException) e;
      }
      if (e instanceof IOException) {
        throw KernelErrors.map((IOException) e, "lock " + file + " for container " + name);
      }
      throw (RuntimeException) e;
    }
    return () -> {
      try {
        s.fileLock.release();
      } catch (IOException e) {
        // The lock goes with the channel at the latest; nothing to undo here.
      } finally {
        s.fileLock = null;
        s.holder = "";
        s.threadLock.unlock();
      }
    };
  }

  private static String holderIn(FileChannel channel) {
    try {
      ByteBuffer b = ByteBuffer.allocate(512);
      int n = channel.read(b, 0);
      String all = n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.UTF_8);
      int nl = all.indexOf('\n');
      return (nl >= 0 ? all.substring(0, nl) : all).trim();
    } catch (IOException e) {
      return "";
    }
  }

  private ContainerException busy(ContainerName name, String what, String holder) {
    String who = holder;
    int since = holder.lastIndexOf(" since ");
    if (since > 0) {
      try {
        long ms = System.currentTimeMillis() - Long.parseLong(holder.substring(since + 7).trim());
        who = holder.substring(0, since) + " for " + ms + " ms";
      } catch (NumberFormatException e) {
        // shown as written
      }
    }
    return new ContainerException(StatusCode.DEADLINE_EXCEEDED, "Cannot " + what + ": waited " + waitMs
        + " ms for the lock of " + name + ", held by " + (who.isEmpty() ? "another operation" : who)
        + " (a lock stripe may be shared by several containers); retry later");
  }
}

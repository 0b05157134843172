package org.lmctfy.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * Serializes administrative operations on one container, within this JVM and across processes (the CLI
 * and the daemon): a fixed set of lock files in the state directory, one per stripe of names, each taken
 * with a thread lock then flock(2). Operations never hold two container locks at once, so stripes shared
 * by several names cannot deadlock.
 *
 * <p>The stripes are JVM-wide (a static map keyed by file): the JDK refuses a second FileLock on a file
 * this JVM already locks, so two ContainerApi instances in one JVM must share them.
 */
final class ContainerLocks {
  static final int STRIPES = 64;

  private static final ConcurrentHashMap<Path, Stripe> STRIPES_BY_FILE = new ConcurrentHashMap<>();

  private final Path dir;

  ContainerLocks(Path dir) {
    this.dir = dir;
  }

  /** A held lock; close to release. */
  interface Held extends AutoCloseable {
    @Override
    void close();
  }

  private static final class Stripe {
    final ReentrantLock threadLock = new ReentrantLock();
    FileChannel channel;
    FileLock fileLock;
  }

  Path fileFor(ContainerName name) {
    return dir.resolve(String.format("%02d.lock", Math.floorMod(name.hashCode(), STRIPES)));
  }

  Held lock(ContainerName name) throws ContainerException {
    Path file = fileFor(name).toAbsolutePath().normalize();
    Stripe s = STRIPES_BY_FILE.computeIfAbsent(file, f -> new Stripe());
    s.threadLock.lock();
    if (s.threadLock.getHoldCount() > 1) {
      return s.threadLock::unlock; // this thread already holds the file lock of the stripe
    }
    try {
      if (s.channel == null || !s.channel.isOpen()) {
        Files.createDirectories(dir);
        s.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      }
      s.fileLock = s.channel.lock();
    } catch (IOException e) {
      s.threadLock.unlock();
      throw KernelErrors.map(e, "lock " + file + " for container " + name);
    }
    return () -> {
      try {
        s.fileLock.release();
      } catch (IOException e) {
        // The lock goes with the channel at the latest; nothing to undo here.
      } finally {
        s.fileLock = null;
        s.threadLock.unlock();
      }
    };
  }
}

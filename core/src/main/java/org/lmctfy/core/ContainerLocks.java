package org.lmctfy.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * Serializes administrative operations on one container, within this JVM and across processes (the CLI
 * and the daemon): a fixed set of lock files in the state directory, one per stripe of names, each taken
 * with a thread lock then flock. Operations never hold two container locks at once, so stripes sharing a
 * lock cannot deadlock.
 */
final class ContainerLocks implements AutoCloseable {
  static final int STRIPES = 64;

  private final Path dir;
  private final ReentrantLock[] threadLocks = new ReentrantLock[STRIPES];
  private final FileChannel[] files = new FileChannel[STRIPES];
  private final FileLock[] held = new FileLock[STRIPES];

  ContainerLocks(Path dir) {
    this.dir = dir;
    for (int i = 0; i < STRIPES; i++) {
      threadLocks[i] = new ReentrantLock();
    }
  }

  /** A held lock; close to release. */
  interface Held extends AutoCloseable {
    @Override
    void close();
  }

  Held lock(ContainerName name) throws ContainerException {
    int i = Math.floorMod(name.hashCode(), STRIPES);
    ReentrantLock tl = threadLocks[i];
    tl.lock();
    if (tl.getHoldCount() > 1) {
      return tl::unlock; // this thread already holds the file lock of the stripe
    }
    try {
      if (files[i] == null) {
        Files.createDirectories(dir);
        files[i] = FileChannel.open(dir.resolve(String.format("%02d.lock", i)),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      }
      held[i] = files[i].lock();
    } catch (IOException e) {
      tl.unlock();
      throw KernelErrors.map(e, "lock " + dir.resolve(String.format("%02d.lock", i)) + " for " + name);
    }
    return () -> {
      try {
        held[i].release();
      } catch (IOException e) {
        // The lock goes with the channel at the latest; nothing to undo here.
      } finally {
        held[i] = null;
        tl.unlock();
      }
    };
  }

  @Override
  public void close() {
    for (int i = 0; i < STRIPES; i++) {
      threadLocks[i].lock();
      try {
        if (files[i] != null) {
          files[i].close();
          files[i] = null;
        }
      } catch (IOException e) {
        // closing a lock file cannot lose data
      } finally {
        threadLocks[i].unlock();
      }
    }
  }
}

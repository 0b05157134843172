package org.lmctfy.core;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.lmctfy.api.ContainerException;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * The wait where epoll cannot be had (no jnr-ffi in the framework, another architecture): watched files
 * through the JDK's WatchService, no descriptors (probes with one are sampled), and sleeps of at most
 * {@value #MAX_SLEEP_MS} ms, since nothing can end a WatchService's wait but an event.
 */
final class WatchServiceWait implements EventWait {
  static final long MAX_SLEEP_MS = 250;
  private final WatchService watcher;
  private final Map<Path, WatchKey> keys = new HashMap<>();
  private final Map<Path, Integer> watchers = new HashMap<>();

  WatchServiceWait() throws ContainerException {
    try {
      watcher = FileSystems.getDefault().newWatchService();
    } catch (IOException e) {
      throw KernelErrors.map(e, "start a file watch for notifications");
    }
  }

  @Override
  public boolean waitsOnDescriptors() {
    return false;
  }

  @Override
  public void add(int fd, long token) {
    throw new UnsupportedOperationException("no descriptors without epoll");
  }

  @Override
  public void remove(int fd) {}

  @Override
  public synchronized void watch(Path dir) throws ContainerException {
    if (watchers.merge(dir, 1, Integer::sum) == 1) {
      try {
        keys.put(dir, dir.register(watcher, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE));
      } catch (IOException e) {
        watchers.remove(dir);
        throw KernelErrors.map(e, "watch " + dir);
      }
    }
  }

  @Override
  public synchronized void unwatch(Path dir) {
    Integer n = watchers.get(dir);
    if (n != null && n == 1) {
      watchers.remove(dir);
      WatchKey k = keys.remove(dir);
      if (k != null) {
        k.cancel();
      }
    } else if (n != null) {
      watchers.put(dir, n - 1);
    }
  }

  @Override
  public void await(long timeoutNanos, Set<Long> readyTokens, Set<Path> changedFiles) throws InterruptedException {
    try {
      WatchKey key = watcher.poll(Math.min(timeoutNanos, TimeUnit.MILLISECONDS.toNanos(MAX_SLEEP_MS)),
          TimeUnit.NANOSECONDS);
      while (key != null) {
        Path dir = (Path) key.watchable();
        for (WatchEvent<?> e : key.pollEvents()) {
          if (e.context() instanceof Path p) {
            changedFiles.add(dir.resolve(p));
          }
        }
        key.reset();
        key = watcher.poll();
      }
    } catch (ClosedWatchServiceException e) {
      // closed: the loop ends
    }
  }

  @Override
  public void wake() {}

  @Override
  public void close() {
    try {
      watcher.close();
    } catch (IOException e) {
      // closing the loop's wait cannot lose an event that matters any more
    }
  }
}

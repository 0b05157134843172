package org.lmctfy.core;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.EventListener;
import org.lmctfy.api.NotificationHandle;
import org.lmctfy.api.StatusCode;
import org.lmctfy.spi.EventProbe;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * The notification registry and its one event loop (DESIGN §7). Probes with a watched file wake the loop
 * through inotify (WatchService); the others are sampled every {@value #SAMPLE_MS} ms. Listeners run on
 * their own threads, so a slow one delays nobody; one that throws is logged and kept.
 */
final class Notifications implements AutoCloseable {
  static final long SAMPLE_MS = 2;
  private static final System.Logger LOG = System.getLogger(Notifications.class.getName());

  private record Registration(long id, ContainerName name, Container container, EventProbe probe,
      EventListener listener) {}

  private final Map<Long, Registration> registrations = new ConcurrentHashMap<>();
  private final Map<Path, WatchKey> watchedDirs = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final ExecutorService listeners = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "lmctfy-listener");
    t.setDaemon(true);
    return t;
  });
  private WatchService watcher;
  private Thread loop;
  private volatile boolean closed;

  synchronized NotificationHandle register(ContainerName name, Container container, EventProbe probe,
      EventListener listener) throws ContainerException {
    if (closed) {
      throw ContainerException.unavailable("The notification loop is shut down");
    }
    probe.poll(); // the baseline: only what happens from now on is an event
    Path watched = probe.watchedFile();
    try {
      if (watcher == null) {
        watcher = FileSystems.getDefault().newWatchService();
      }
      if (watched != null && !watchedDirs.containsKey(watched.getParent())) {
        watchedDirs.put(watched.getParent(),
            watched.getParent().register(watcher, StandardWatchEventKinds.ENTRY_MODIFY));
      }
    } catch (IOException e) {
      throw KernelErrors.map(e, "watch " + watched);
    }
    long id = ids.incrementAndGet();
    registrations.put(id, new Registration(id, name, container, probe, listener));
    if (loop == null) {
      loop = new Thread(this::run, "lmctfy-events");
      loop.setDaemon(true);
      loop.start();
    }
    return new NotificationHandle(id);
  }

  void unregister(NotificationHandle handle) throws ContainerException {
    if (handle == null || registrations.remove(handle.id()) == null) {
      throw ContainerException.invalidArgument("No such notification: " + handle);
    }
  }

  /** The container and its subtree are destroyed: their listeners get a final NOT_FOUND. */
  void destroyed(ContainerName name) {
    for (Registration r : registrations.values()) {
      if (name.isAncestorOrSelf(r.name) && registrations.remove(r.id) != null) {
        deliver(r, StatusCode.NOT_FOUND, "container " + r.name + " was destroyed");
      }
    }
  }

  private void deliver(Registration r, StatusCode code, String detail) {
    if (closed) {
      return; // shut down: nobody is listening any more
    }
    try {
      listeners.execute(() -> {
        try {
          r.listener.onEvent(r.container, code, detail);
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "notification listener " + r.id + " of " + r.name + " threw", e);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  private void run() {
    while (!closed) {
      Set<Path> changed = new HashSet<>();
      boolean sampled = registrations.values().stream().anyMatch(r -> r.probe.watchedFile() == null);
      try {
        WatchKey key = watcher.poll(sampled ? SAMPLE_MS : 250, TimeUnit.MILLISECONDS);
        while (key != null) {
          Path dir = (Path) key.watchable();
          for (WatchEvent<?> e : key.pollEvents()) {
            if (e.context() instanceof Path) {
              changed.add(dir.resolve((Path) e.context()));
            }
          }
          key.reset();
          key = watcher.poll();
        }
      } catch (InterruptedException e) {
        return;
      } catch (java.nio.file.ClosedWatchServiceException e) {
        return;
      }
      for (Registration r : registrations.values()) {
        Path w = r.probe.watchedFile();
        // Watched probes are also read on every timeout round, in case an inotify event was missed.
        if (w != null && !changed.contains(w) && !changed.isEmpty()) {
          continue;
        }
        try {
          int n = r.probe.poll();
          for (int i = 0; i < n && registrations.containsKey(r.id); i++) {
            deliver(r, StatusCode.OK, r.probe.describe());
          }
        } catch (ContainerException e) {
          if (registrations.remove(r.id) != null) {
            deliver(r, e.code() == StatusCode.NOT_FOUND ? StatusCode.NOT_FOUND : StatusCode.CANCELLED,
                e.getMessage());
          }
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "notification probe " + r.id + " failed", e);
        }
      }
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (watcher != null) {
      try {
        watcher.close();
      } catch (IOException e) {
        // closing the loop's wake-up channel cannot lose an event that matters any more
      }
    }
    if (loop != null) {
      loop.interrupt();
    }
    listeners.shutdown();
  }
}

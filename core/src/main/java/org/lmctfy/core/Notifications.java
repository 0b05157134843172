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
import java.util.Optional;
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
import org.lmctfy.api.proto.EventSpec;
import org.lmctfy.spi.EventProbe;
import org.lmctfy.spi.cgroup.KernelErrors;

/**
 * The notification registry and its one event loop (DESIGN §7). Probes with a watched file wake the loop
 * through inotify (WatchService); the others are sampled every {@value #SAMPLE_MS} ms. Listeners run on
 * their own threads, so a slow one delays nobody; one that throws is logged and kept.
 */
final class Notifications implements AutoCloseable {
  static final long SAMPLE_MS = 2;
  /** A watched probe is also read this often without an inotify event (one could be lost). */
  static final long WATCHED_CHECK_MS = 250;
  private static final System.Logger LOG = System.getLogger(Notifications.class.getName());

  /** Makes the probe of a registration again, from the resource's current controller (after a swap). */
  interface ProbeMaker {
    Optional<EventProbe> make(ContainerName name, EventSpec spec) throws ContainerException;
  }

  private static final class Registration {
    final long id;
    final ContainerName name;
    final Container container;
    final EventListener listener;
    /** The resource whose controller made the probe; null for the core's own (container_empty). */
    final String resource;
    final EventSpec spec;
    /** Null while the resource's controller is absent (guarded by this). */
    EventProbe probe;
    long cursor = EventProbe.NO_CURSOR;
    /** When the loop last read the probe (System.nanoTime), for watched probes' safety-net rounds. */
    long lastRead = System.nanoTime(); // the registration took its baseline

    Registration(long id, ContainerName name, Container container, EventListener listener, String resource,
        EventSpec spec, EventProbe probe) {
      this.id = id;
      this.name = name;
      this.container = container;
      this.listener = listener;
      this.resource = resource;
      this.spec = spec;
      this.probe = probe;
    }

    synchronized Path watchedFile() {
      return probe == null ? null : probe.watchedFile();
    }

    /** The probe is done with (registration ended, or its controller left): what it holds is released. */
    synchronized void dropProbe() {
      if (probe != null) {
        EventProbe p = probe;
        probe = null;
        try {
          p.close();
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "closing the probe of notification " + id + " of " + name, e);
        }
      }
    }
  }

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

  synchronized NotificationHandle register(ContainerName name, Container container, String resource, EventSpec spec,
      EventProbe probe, EventListener listener) throws ContainerException {
    if (closed) {
      throw ContainerException.unavailable("The notification loop is shut down");
    }
    try {
      probe.poll(); // the baseline: only what happens from now on is an event
      watch(probe.watchedFile());
    } catch (ContainerException | RuntimeException e) {
      probe.close();
      throw e;
    }
    long id = ids.incrementAndGet();
    registrations.put(id, new Registration(id, name, container, listener, resource, spec, probe));
    if (loop == null) {
      loop = new Thread(this::run, "lmctfy-events");
      loop.setDaemon(true);
      loop.start();
    }
    return new NotificationHandle(id);
  }

  private synchronized void watch(Path watched) throws ContainerException {
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
  }

  /**
   * A resource's controller left (or is being replaced): its probes stop, keeping their cursors, and no code
   * of the departing bundle runs any more.
   */
  void suspend(String resource) {
    for (Registration r : registrations.values()) {
      if (resource.equals(r.resource)) {
        synchronized (r) {
          if (r.probe != null) {
            r.cursor = r.probe.cursor();
            r.dropProbe();
          }
        }
      }
    }
  }

  /**
   * A controller of the resource is active (again): suspended registrations get a probe from it, continuing
   * from their cursors, so events of the absence are delivered once.
   */
  void rearm(String resource, ProbeMaker maker) {
    if (closed) {
      return;
    }
    for (Registration r : registrations.values()) {
      if (!resource.equals(r.resource)) {
        continue;
      }
      try {
        synchronized (r) {
          if (r.probe != null) {
            continue;
          }
          Optional<EventProbe> p = maker.make(r.name, r.spec);
          if (p.isEmpty()) {
            continue; // this controller does not serve the event: it stays suspended
          }
          try {
            p.get().resumeFrom(r.cursor);
            watch(p.get().watchedFile());
          } catch (ContainerException | RuntimeException e) {
            p.get().close();
            throw e;
          }
          r.probe = p.get();
        }
      } catch (ContainerException e) {
        if (e.code() == StatusCode.NOT_FOUND && registrations.remove(r.id) != null) {
          r.dropProbe();
          deliver(r, StatusCode.NOT_FOUND, e.getMessage());
        } else {
          LOG.log(System.Logger.Level.WARNING, "cannot re-arm notification " + r.id + " of " + r.name + ": " + e);
        }
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot re-arm notification " + r.id + " of " + r.name, e);
      }
    }
  }

  void unregister(NotificationHandle handle) throws ContainerException {
    Registration r = handle == null ? null : registrations.remove(handle.id());
    if (r == null) {
      throw ContainerException.invalidArgument("No such notification: " + handle);
    }
    r.dropProbe();
  }

  /** The container and its subtree are destroyed: their listeners get a final NOT_FOUND. */
  void destroyed(ContainerName name) {
    for (Registration r : registrations.values()) {
      if (name.isAncestorOrSelf(r.name) && registrations.remove(r.id) != null) {
        r.dropProbe();
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
      boolean sampled = registrations.values().stream().anyMatch(r -> r.watchedFile() == null);
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
      long now = System.nanoTime();
      for (Registration r : registrations.values()) {
        Path w = r.watchedFile();
        // A watched probe is read when its file changed, and every WATCHED_CHECK_MS in case an inotify event
        // was missed (not on every sampling round: that would undo what inotify saves).
        if (w != null && !changed.contains(w)) {
          if (now - r.lastRead < TimeUnit.MILLISECONDS.toNanos(WATCHED_CHECK_MS)) {
            continue;
          }
        }
        r.lastRead = now;
        try {
          int n;
          String what;
          synchronized (r) {
            if (r.probe == null) {
              continue; // its controller is absent: the cursor waits for the next one
            }
            n = r.probe.poll();
            what = n > 0 ? r.probe.describe() : null;
          }
          for (int i = 0; i < n && registrations.containsKey(r.id); i++) {
            deliver(r, StatusCode.OK, what);
          }
        } catch (ContainerException e) {
          if (registrations.remove(r.id) != null) {
            r.dropProbe();
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
  public void close() {
    synchronized (this) {
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
    // Outside the lock: a re-arm holds a registration's lock, then this one.
    registrations.values().forEach(Registration::dropProbe);
  }
}

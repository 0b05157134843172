package org.lmctfy.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
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
import org.lmctfy.spi.SignalledProbe;

/**
 * The notification registry and its one event loop (ARCHITECTURE.md § Notifications). The loop sleeps in the kernel
 * ({@link EventWait}: one epoll_wait over every probe's descriptor, the inotify descriptor of the watched
 * files and a wake-up pipe) and reads a probe only when its descriptor is readable, its watched file
 * changed, or the time it asked for ({@link SignalledProbe#nanosToNextPoll()}) has come. A probe that says
 * nothing about time is read every {@value #SAMPLE_MS} ms, or, when it watches a file, every
 * {@value #WATCHED_CHECK_MS} ms besides its changes. Listeners run on their own threads, so a slow one delays
 * nobody; one that throws is logged and kept.
 */
final class Notifications implements AutoCloseable {
  static final long SAMPLE_MS = 2;
  /** A watched probe is also read this often without an inotify event (one could be lost). */
  static final long WATCHED_CHECK_MS = 250;
  private static final long NEVER = SignalledProbe.NEVER;
  private static final System.Logger LOG = System.getLogger(Notifications.class.getName());

  /** Makes the probe of a registration again, from the resource's current controller (after a swap). */
  interface ProbeMaker {
    Optional<EventProbe> make(ContainerName name, EventSpec spec) throws ContainerException;
  }

  private final class Registration {
    final long id;
    final ContainerName name;
    final Container container;
    final EventListener listener;
    /** The resource whose controller made the probe; null for the core's own (container_empty). */
    final String resource;
    final EventSpec spec;
    /** Null while the resource's controller is absent (guarded by this). */
    EventProbe probe;
    /** What the wait holds for the probe: its descriptor (or -1) and its watched file (guarded by this). */
    int descriptor = -1;
    Path watched;
    long cursor = EventProbe.NO_CURSOR;
    /** When the loop reads the probe next without a signal (System.nanoTime), or NEVER; the loop's only. */
    long due = NEVER;

    Registration(long id, ContainerName name, Container container, EventListener listener, String resource,
        EventSpec spec) {
      this.id = id;
      this.name = name;
      this.container = container;
      this.listener = listener;
      this.resource = resource;
      this.spec = spec;
    }

    /** The probe starts being read: the wait gets its descriptor and watched file. */
    synchronized void attach(EventProbe p) throws ContainerException {
      Path file = p.watchedFile();
      int fd = p instanceof SignalledProbe s && wait.waitsOnDescriptors() ? s.signalDescriptor() : -1;
      if (file != null) {
        wait.watch(file.getParent());
        watchers.compute(file.getParent(), (dir, rs) -> { // atomic with unwatch's removal of an empty set
          Set<Registration> in = rs != null ? rs : ConcurrentHashMap.newKeySet();
          in.add(this);
          return in;
        });
      }
      if (fd >= 0) {
        try {
          wait.add(fd, id);
        } catch (ContainerException | RuntimeException e) {
          if (file != null) {
            unwatch(file);
          }
          throw e;
        }
      }
      probe = p;
      descriptor = fd;
      watched = file;
      reschedule(this);
    }

    private void unwatch(Path file) {
      watchers.computeIfPresent(file.getParent(), (dir, rs) -> {
        rs.remove(this);
        return rs.isEmpty() ? null : rs;
      });
      wait.unwatch(file.getParent());
    }

    synchronized Path watchedFile() {
      return watched;
    }

    /** How long until the probe is read without a signal (after the baseline or a poll). */
    synchronized long nanosToNextPoll() {
      if (probe == null) {
        return NEVER;
      }
      long sample = TimeUnit.MILLISECONDS.toNanos(SAMPLE_MS);
      if (probe instanceof SignalledProbe s) {
        long n = s.nanosToNextPoll();
        // Without epoll its descriptor is not waited on: sampled (its poll reads the descriptor without waiting).
        if (s.signalDescriptor() >= 0 && descriptor < 0) {
          return Math.min(n, sample);
        }
        // Without epoll a watched file's changes come through the JDK's WatchService, which may coalesce or
        // lose them: read at least every WATCHED_CHECK_MS as well.
        return watched != null && !wait.waitsOnDescriptors()
            ? Math.min(n, TimeUnit.MILLISECONDS.toNanos(WATCHED_CHECK_MS)) : n;
      }
      return watched != null ? TimeUnit.MILLISECONDS.toNanos(WATCHED_CHECK_MS) : sample;
    }

    /** The probe is done with (registration ended, or its controller left): what it holds is released. */
    synchronized void dropProbe() {
      if (probe != null) {
        EventProbe p = probe;
        probe = null;
        if (descriptor >= 0) {
          wait.remove(descriptor); // before the probe closes it: the number may be reused at once
          descriptor = -1;
        }
        if (watched != null) {
          unwatch(watched);
          watched = null;
        }
        try {
          p.close();
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "closing the probe of notification " + id + " of " + name, e);
        }
      }
    }
  }

  /** A registration's next time-bound read; stale once the registration's {@code due} moved. */
  private record Due(long at, Registration r) {}

  private final Map<Long, Registration> registrations = new ConcurrentHashMap<>();
  /** Registrations by the directory of the file their probe watches. */
  private final Map<Path, Set<Registration>> watchers = new ConcurrentHashMap<>();
  /** Registrations whose next read the loop must (re)compute: new or re-armed probes. */
  private final ConcurrentLinkedQueue<Registration> toSchedule = new ConcurrentLinkedQueue<>();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong wakeups = new AtomicLong();
  private final ExecutorService listeners = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "lmctfy-listener");
    t.setDaemon(true);
    return t;
  });
  private final java.util.function.Supplier<Optional<EventWait>> waits;
  /** Made at the first registration: an API that registers nothing holds no descriptor and binds no C. */
  private volatile EventWait wait;
  private Thread loop;
  private volatile boolean closed;

  Notifications() {
    this(EpollWait::open);
  }

  /** With the given wait, or the JDK's WatchService where epoll cannot be had. */
  Notifications(java.util.function.Supplier<Optional<EventWait>> waits) {
    this.waits = waits;
  }

  private synchronized EventWait waitOrNew() throws ContainerException {
    if (wait == null) {
      Optional<EventWait> w = waits.get();
      wait = w.isPresent() ? w.get() : new WatchServiceWait();
    }
    return wait;
  }

  /** Registrations active now: not unregistered, nor ended by a destroy or a failed probe, nor closed. */
  int active() {
    return closed ? 0 : registrations.size();
  }

  /** How many times the loop came back from its wait: a test's measure of an idle loop. */
  long wakeups() {
    return wakeups.get();
  }

  /** Whether the loop sleeps on descriptors (epoll) rather than sampling probes that hold one. */
  boolean waitsOnDescriptors() throws ContainerException {
    return waitOrNew().waitsOnDescriptors();
  }

  synchronized NotificationHandle register(ContainerName name, Container container, String resource, EventSpec spec,
      EventProbe probe, EventListener listener) throws ContainerException {
    if (closed) {
      throw ContainerException.unavailable("The notification loop is shut down");
    }
    long id = ids.incrementAndGet();
    Registration r = new Registration(id, name, container, listener, resource, spec);
    try {
      waitOrNew();
      probe.poll(); // the baseline: only what happens from now on is an event
      r.attach(probe);
    } catch (ContainerException | RuntimeException e) {
      probe.close();
      throw e;
    }
    registrations.put(id, r);
    if (loop == null) {
      loop = new Thread(this::run, "lmctfy-events");
      loop.setDaemon(true);
      loop.start();
    }
    return new NotificationHandle(id);
  }

  private void reschedule(Registration r) {
    toSchedule.add(r);
    wait.wake();
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
            r.attach(p.get());
          } catch (ContainerException | RuntimeException e) {
            p.get().close();
            throw e;
          }
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

  /**
   * When a read {@code interval} from {@code now} is due, rounded up to a grain of an eighth of the interval
   * (at most 250 ms): long intervals of many registrations fall on the same instants, one wake-up for all.
   */
  static long dueAt(long now, long interval) {
    if (interval == NEVER || interval > NEVER / 4) {
      return NEVER;
    }
    long at = now + Math.max(0, interval);
    long grain = Math.min(interval / 8, TimeUnit.MILLISECONDS.toNanos(250));
    return grain <= 0 ? at : at + Math.floorMod(-at, grain);
  }

  private void run() {
    PriorityQueue<Due> queue = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));
    Set<Long> ready = new HashSet<>();
    Set<Path> changed = new HashSet<>();
    Set<Registration> toPoll = new LinkedHashSet<>();
    try {
      while (!closed) {
        long now = System.nanoTime();
        for (Registration r; (r = toSchedule.poll()) != null; ) {
          schedule(queue, r, now);
        }
        while (!queue.isEmpty() && queue.peek().r.due != queue.peek().at) {
          queue.poll(); // stale
        }
        long timeout = queue.isEmpty() ? EventWait.FOREVER : Math.max(0, queue.peek().at - now);
        ready.clear();
        changed.clear();
        wait.await(timeout, ready, changed);
        wakeups.incrementAndGet();
        now = System.nanoTime();
        toPoll.clear();
        for (long token : ready) {
          Registration r = registrations.get(token);
          if (r != null) {
            toPoll.add(r);
          }
        }
        for (Path file : changed) {
          Set<Registration> inDir = watchers.get(file);
          if (inDir != null) { // the directory itself (removed): every file watched in it
            toPoll.addAll(inDir);
          } else if (file.getParent() != null && (inDir = watchers.get(file.getParent())) != null) {
            for (Registration r : inDir) {
              if (file.equals(r.watchedFile())) {
                toPoll.add(r);
              }
            }
          }
        }
        while (!queue.isEmpty() && queue.peek().at - now <= 0) {
          Due d = queue.poll();
          if (d.r.due == d.at) {
            d.r.due = NEVER; // consumed: the next schedule adds the next one
            toPoll.add(d.r);
          }
        }
        for (Registration r : toPoll) {
          if (registrations.containsKey(r.id)) {
            pollOne(r);
            schedule(queue, r, now);
          }
        }
      }
    } catch (InterruptedException e) {
      // closed
    } catch (RuntimeException | Error e) {
      LOG.log(System.Logger.Level.ERROR, "the notification loop failed; notifications stop", e);
    } finally {
      wait.close();
    }
  }

  private void schedule(PriorityQueue<Due> queue, Registration r, long now) {
    long interval;
    try {
      interval = r.nanosToNextPoll();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "notification probe " + r.id + " failed", e);
      interval = TimeUnit.MILLISECONDS.toNanos(WATCHED_CHECK_MS);
    }
    long at = dueAt(now, interval);
    if (at != r.due) { // the same: its entry is still queued
      r.due = at;
      if (at != NEVER) {
        queue.add(new Due(at, r));
      }
    }
  }

  private void pollOne(Registration r) {
    try {
      int n;
      String what;
      synchronized (r) {
        if (r.probe == null) {
          return; // its controller is absent: the cursor waits for the next one
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

  @Override
  public void close() {
    Thread l;
    synchronized (this) {
      closed = true;
      l = loop;
      listeners.shutdown();
    }
    // Outside the lock: a re-arm holds a registration's lock, then this one.
    registrations.values().forEach(Registration::dropProbe);
    if (l == null) {
      if (wait != null) {
        wait.close();
      }
    } else { // the loop closes the wait when it ends
      wait.wake();
      l.interrupt(); // a WatchService wait ends on an interrupt, epoll's on the wake-up
    }
  }
}

package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.NotificationHandle;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.EventSpec;
import org.lmctfy.spi.EventProbe;

/** The registry releases what each probe holds in the kernel exactly once, however its registration ends. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NotificationsTest {
  private final Notifications n = new Notifications();
  private static final EventSpec SPEC = EventSpec.newBuilder()
      .setMemoryThreshold(EventSpec.MemoryThreshold.newBuilder().setUsage(1)).build();

  /** A sampled probe that fires when told and counts its closes and the polls after them. */
  static class Probe implements EventProbe {
    final AtomicInteger closes = new AtomicInteger();
    final AtomicInteger pollsAfterClose = new AtomicInteger();
    volatile int fire;
    volatile boolean gone;

    @Override
    public Path watchedFile() {
      return null;
    }

    @Override
    public int poll() throws ContainerException {
      if (closes.get() > 0) {
        pollsAfterClose.incrementAndGet();
      }
      if (gone) {
        throw ContainerException.notFound("cgroup gone");
      }
      int f = fire;
      fire = 0;
      return f;
    }

    @Override
    public String describe() {
      return "fired";
    }

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  @AfterEach
  void tearDown() {
    n.close();
  }

  private NotificationHandle register(String name, Probe p, BlockingQueue<StatusCode> out) throws Exception {
    return n.register(ContainerName.of(name), null, "memory", SPEC, p, (c, code, d) -> out.add(code));
  }

  @Test
  void unregisterDestroyAndAGoneCgroupCloseTheProbeOnce() throws Exception {
    BlockingQueue<StatusCode> events = new LinkedBlockingQueue<>();
    Probe unregistered = new Probe();
    Probe destroyed = new Probe();
    Probe gone = new Probe();
    NotificationHandle h = register("/a", unregistered, events);
    register("/b/c", destroyed, events);
    register("/d", gone, events);
    assertThat(n.active()).as("registrations active (the health gauge)").isEqualTo(3);

    destroyed.fire = 1;
    assertThat(events.poll(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.OK);
    assertThat(n.active()).as("an event delivered ends no registration").isEqualTo(3);

    n.unregister(h);
    assertThat(unregistered.closes).hasValue(1);
    assertThat(n.active()).isEqualTo(2);
    assertThatThrownBy(() -> n.unregister(h)).isInstanceOf(ContainerException.class);

    n.destroyed(ContainerName.of("/b"));
    assertThat(events.poll(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.NOT_FOUND);
    assertThat(destroyed.closes).hasValue(1);
    assertThat(n.active()).isEqualTo(1);

    gone.gone = true;
    assertThat(events.poll(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.NOT_FOUND);
    assertThat(gone.closes).hasValue(1);
    assertThat(n.active()).isZero();

    Thread.sleep(50); // loop rounds after the ends
    for (Probe p : new Probe[] {unregistered, destroyed, gone}) {
      assertThat(p.pollsAfterClose).as("polled after close").hasValue(0);
    }
    n.close();
    assertThat(unregistered.closes.get() + destroyed.closes.get() + gone.closes.get()).isEqualTo(3);
  }

  @Test
  void aControllerSwapClosesTheOldProbeAndShutdownClosesTheNew() throws Exception {
    BlockingQueue<StatusCode> events = new LinkedBlockingQueue<>();
    Probe old = new Probe();
    register("/a", old, events);
    n.suspend("memory");
    assertThat(old.closes).hasValue(1);
    Probe next = new Probe();
    n.rearm("memory", (name, spec) -> Optional.of(next));
    next.fire = 1;
    assertThat(events.poll(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.OK);
    n.close();
    assertThat(next.closes).hasValue(1);
    assertThat(old.closes).hasValue(1);
  }

  /** A probe whose file inotify watches (cgroup2's memory.events), counting its polls. */
  static final class WatchedProbe extends Probe {
    final Path file;
    final AtomicInteger polls = new AtomicInteger();

    WatchedProbe(Path file) {
      this.file = file;
    }

    @Override
    public Path watchedFile() {
      return file;
    }

    @Override
    public int poll() throws ContainerException {
      polls.incrementAndGet();
      return super.poll();
    }
  }

  /**
   * Sampled probes make the loop wake every few milliseconds; a watched probe is still read only when its
   * file changes, plus a safety-net read every quarter second, not on every sampling round.
   */
  @Test
  void aWatchedProbeIsReadOnChangesNotOnEverySamplingRound(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    BlockingQueue<StatusCode> events = new LinkedBlockingQueue<>();
    Path file = dir.resolve("memory.events");
    java.nio.file.Files.writeString(file, "oom_kill 0\n");
    WatchedProbe watched = new WatchedProbe(file);
    Probe sampled = new Probe();
    register("/w", watched, events);
    register("/s", sampled, events);
    Thread.sleep(600);
    assertThat(watched.polls.get()).as("polls in 600 ms without a change (safety net: every 250 ms)")
        .isBetween(1, 5);
    watched.fire = 1;
    java.nio.file.Files.writeString(file, "oom_kill 1\n");
    assertThat(events.poll(5, TimeUnit.SECONDS)).as("a change is read at once").isEqualTo(StatusCode.OK);
  }

  @Test
  void aProbeThatFailsItsBaselineIsClosedAndNotRegistered() {
    Probe p = new Probe();
    p.gone = true;
    assertThatThrownBy(() -> register("/a", p, new LinkedBlockingQueue<>()))
        .isInstanceOf(ContainerException.class);
    assertThat(p.closes).hasValue(1);
  }
}

package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.EventSpec;
import org.lmctfy.spi.SignalledProbe;

/**
 * The loop sleeps in the kernel while nothing happens: idle registrations that hold a descriptor do not wake
 * it, a signal on one descriptor wakes it at once and reads that probe only, and a probe is read when it
 * asked to be, not before.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NotificationsIdleTest {
  private static final int NONBLOCK_CLOEXEC = 04000 | 02000000;
  private static final EventSpec SPEC = EventSpec.newBuilder()
      .setMemoryThreshold(EventSpec.MemoryThreshold.newBuilder().setUsage(1)).build();
  private final Notifications n = new Notifications();
  private Libc libc;
  private final List<Integer> fds = new ArrayList<>();

  /** A probe on an eventfd of its own: readable means one event; read only when the loop says so. */
  final class FdProbe implements SignalledProbe {
    final int fd;
    final long interval;
    final Path file;
    final AtomicInteger polls = new AtomicInteger();
    private final Pointer buf = Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(libc), 8);

    FdProbe(long interval, Path file) {
      this.fd = libc.eventfd(0, NONBLOCK_CLOEXEC);
      assertThat(fd).as("eventfd").isNotNegative();
      fds.add(fd);
      this.interval = interval;
      this.file = file;
    }

    @Override
    public int signalDescriptor() {
      return fd;
    }

    @Override
    public long nanosToNextPoll() {
      return interval;
    }

    @Override
    public Path watchedFile() {
      return file;
    }

    @Override
    public int poll() throws ContainerException {
      polls.incrementAndGet();
      return libc.read(fd, buf, 8) == 8 ? (int) buf.getLong(0) : 0;
    }

    @Override
    public String describe() {
      return "signalled";
    }

    void signal() {
      Pointer one = Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(libc), 8);
      one.putLong(0, 1);
      assertThat(libc.write(fd, one, 8)).isEqualTo(8);
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(n.waitsOnDescriptors(), "no epoll through jnr-ffi on this machine: probes are sampled");
    libc = LibraryLoader.create(Libc.class).load("c");
  }

  @AfterEach
  void tearDown() {
    n.close();
    if (libc != null) {
      fds.forEach(libc::close);
    }
  }

  private void register(String name, SignalledProbe p, BlockingQueue<Long> out) throws ContainerException {
    n.register(ContainerName.of(name), null, "memory", SPEC, p, (c, code, d) -> {
      if (code == StatusCode.OK) {
        out.add(System.nanoTime());
      }
    });
  }

  /** Wake-ups of the loop over {@code ms}, after the wake-ups of the registrations themselves are over. */
  private long wakeupsOver(long ms) throws InterruptedException {
    Thread.sleep(100);
    long before = n.wakeups();
    Thread.sleep(ms);
    return n.wakeups() - before;
  }

  @Test
  void thousandIdleRegistrationsLeaveTheLoopAsleepAndOneSignalIsReadAtOnce() throws Exception {
    BlockingQueue<Long> events = new LinkedBlockingQueue<>();
    List<FdProbe> probes = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      FdProbe p = new FdProbe(SignalledProbe.NEVER, null);
      probes.add(p);
      register("/c" + i, p, events);
    }
    assertThat(wakeupsOver(1000)).as("loop wake-ups in a second with 1,000 idle registrations").isLessThanOrEqualTo(2);
    int before = probes.stream().mapToInt(p -> p.polls.get()).sum();
    assertThat(before).as("only the baselines").isEqualTo(1000);

    FdProbe signalled = probes.get(500);
    long t0 = System.nanoTime();
    signalled.signal();
    Long at = events.poll(5, TimeUnit.SECONDS);
    assertThat(at).as("the event").isNotNull();
    assertThat((at - t0) / 1e6).as("ms from the signal to the listener").isLessThan(100);
    assertThat(signalled.polls).hasValue(2);
    assertThat(probes.stream().mapToInt(p -> p.polls.get()).sum()).as("no other probe read").isEqualTo(1001);
    assertThat(wakeupsOver(500)).as("asleep again").isLessThanOrEqualTo(1);
  }

  @Test
  void aProbeIsReadAsOftenAsItAsksAndNoMore() throws Exception {
    BlockingQueue<Long> events = new LinkedBlockingQueue<>();
    FdProbe every100ms = new FdProbe(TimeUnit.MILLISECONDS.toNanos(100), null);
    register("/a", every100ms, events);
    for (int i = 0; i < 200; i++) {
      register("/idle" + i, new FdProbe(SignalledProbe.NEVER, null), events);
    }
    Thread.sleep(100);
    int polls = every100ms.polls.get();
    long wakeups = n.wakeups();
    Thread.sleep(1000);
    assertThat(every100ms.polls.get() - polls).as("reads in a second at 100 ms").isBetween(7, 12);
    assertThat(n.wakeups() - wakeups).as("wake-ups in that second").isLessThanOrEqualTo(13);
  }

  @Test
  void aWatchedFileWakesTheLoopForItsProbeOnly(@TempDir Path dir) throws Exception {
    BlockingQueue<Long> events = new LinkedBlockingQueue<>();
    Path a = Files.writeString(dir.resolve("a.events"), "0\n");
    Path b = Files.writeString(dir.resolve("b.events"), "0\n");
    FdProbe pa = new FdProbe(SignalledProbe.NEVER, a);
    FdProbe pb = new FdProbe(SignalledProbe.NEVER, b);
    register("/a", pa, events);
    register("/b", pb, events);
    assertThat(wakeupsOver(500)).isLessThanOrEqualTo(1);
    Files.writeString(a, "1\n");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (pa.polls.get() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(1); // a bounded poll of the probe's count
    }
    assertThat(pa.polls.get()).as("read after its file changed").isGreaterThanOrEqualTo(2);
    assertThat(pb.polls).as("the other file did not change").hasValue(1);
  }

  @Test
  void dueTimesOfLongIntervalsFallOnSharedInstants() {
    long second = TimeUnit.SECONDS.toNanos(1);
    long a = Notifications.dueAt(123_456_789L, 10 * second);
    long b = Notifications.dueAt(123_456_789L + 7_000_000L, 10 * second);
    assertThat(a).isEqualTo(b).isGreaterThanOrEqualTo(123_456_789L + 10 * second);
    assertThat(Notifications.dueAt(5, TimeUnit.MILLISECONDS.toNanos(2)) - 5)
        .isBetween(TimeUnit.MILLISECONDS.toNanos(2), TimeUnit.MILLISECONDS.toNanos(2) + 250_000);
    assertThat(Notifications.dueAt(5, SignalledProbe.NEVER)).isEqualTo(SignalledProbe.NEVER);
  }
}

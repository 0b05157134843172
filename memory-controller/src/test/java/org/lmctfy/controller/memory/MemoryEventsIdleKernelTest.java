package org.lmctfy.controller.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.lmctfy.core.testing.Specs.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.Container;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.EventSpec;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.core.testing.EventLoopCpu;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.core.testing.Workload;
import org.lmctfy.spi.cgroup.CgroupLayout;

/**
 * Idle registrations cost the event loop nothing while nothing happens (it sleeps in the kernel on their
 * eventfds or inotify), and an OOM among them still arrives at once (root only).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MemoryEventsIdleKernelTest {
  static final long MIB = 1024 * 1024;
  static final int CONTAINERS = 200;
  private KernelRoot k;

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    assumeTrue(CgroupLayout.detect().forController("memory").isPresent(), "no memory");
    k = new KernelRoot(new MemoryFactory());
  }

  @AfterEach
  void tearDown() throws Exception {
    if (k != null) {
      k.finish();
    }
  }

  private static long openFiles(String suffix) throws Exception {
    try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
      return fds.filter(fd -> {
        try {
          return java.nio.file.Files.readSymbolicLink(fd).toString().endsWith(suffix);
        } catch (Exception e) {
          return false; // closed meanwhile
        }
      }).count();
    }
  }

  @Test
  void idleOomAndThresholdRegistrationsLeaveTheLoopAsleepAndAnOomStillArrivesAtOnce() throws Exception {
    boolean v2 = CgroupLayout.detect().forController("memory").orElseThrow().unified();
    EventSpec oom = SpecFormat.parse("oom {}", EventSpec.newBuilder()).build();
    // cgroup2 has no threshold signal: far below, a threshold is sampled rarely, but sampled; v1's is the kernel's.
    EventSpec threshold = SpecFormat.parse("memory_threshold { usage: " + 48 * MIB + " }", EventSpec.newBuilder()).build();
    BlockingQueue<Long> ooms = new LinkedBlockingQueue<>();
    List<Container> cs = new ArrayList<>();
    for (int i = 0; i < CONTAINERS; i++) {
      Container c = k.api.create("/idle" + i, spec("memory { limit: " + 64 * MIB + " }"));
      cs.add(c);
      c.registerNotification(oom, (ct, code, d) -> {
        if (code == StatusCode.OK) {
          ooms.add(System.nanoTime());
        }
      });
      if (!v2) {
        c.registerNotification(threshold, (ct, code, d) -> { });
      }
    }
    Thread.sleep(200); // the loop's first rounds (baselines' schedules)
    if (!v2) {
      assertThat(openFiles("/memory.oom_control")).as("v1 OOM registrations hold their eventfd only, while idle")
          .isZero();
    }
    long cpu0 = EventLoopCpu.nanos();
    long t0 = System.nanoTime();
    Thread.sleep(2000);
    double share = (EventLoopCpu.nanos() - cpu0) / (double) (System.nanoTime() - t0);
    assertThat(share * 100).as("%% of a CPU the event loop used with %d idle containers' registrations", CONTAINERS)
        .isLessThan(1.0);

    long pid = cs.get(CONTAINERS / 2).run(List.of("/usr/bin/tail", "/dev/zero"),
        RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build());
    Workload.awaitExit(pid, 60);
    long exited = System.nanoTime();
    Long at = ooms.poll(5, TimeUnit.SECONDS);
    assertThat(at).as("the OOM among idle registrations").isNotNull();
    assertThat((at - exited) / 1e6).as("ms after exit").isLessThan(1000);
    Thread.sleep(200);
    assertThat(ooms).as("one event, from that container only").isEmpty();
  }
}

package org.lmctfy.controller.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.MemoryStats;
import org.lmctfy.core.testing.Expect;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.core.testing.Workload;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.Hierarchy;

/** The memory controller on the real kernel, v1 or cgroup2 as this host has it (root only). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MemoryKernelTest {
  static final long MIB = 1024 * 1024;
  private KernelRoot k;
  private Hierarchy h;

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    assumeTrue(org.lmctfy.spi.cgroup.CgroupLayout.detect().forController("memory").isPresent(),
        "no memory controller on this host");
    k = new KernelRoot(new MemoryFactory());
    h = k.layout.forController("memory").get();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (k != null) {
      k.finish();
    }
  }

  private Path dir(String name) {
    return k.rootDir(h).resolve(name);
  }

  private String limitFile() {
    return h.unified() ? MemoryHandler.MAX : MemoryHandler.LIMIT;
  }

  @Test
  void aHogIsKilledAtItsLimitWhileAProcessOutsideIsUntouched() throws Exception {
    Container c = k.api.create("/hog", spec("memory { limit: " + 64 * MIB + " }"));
    assertThat(ControlFiles.readLong(dir("hog"), limitFile())).isEqualTo(64 * MIB);
    Process outside = new ProcessBuilder("sleep", "60").start();
    try (Workload hog = Workload.start(c, 60, "tail", "/dev/zero")) {
      assertThat(hog.process.waitFor(60, TimeUnit.SECONDS)).as("the hog ends").isTrue();
      assertThat(hog.process.exitValue()).as("killed by SIGKILL (OOM)").isEqualTo(128 + 9);
      MemoryStats s = c.stats(StatsType.FULL).getMemory();
      assertThat(s.getOomKillCount()).isGreaterThanOrEqualTo(1);
      assertThat(s.getLimit()).isEqualTo(64 * MIB);
      if (s.hasMaxUsage() && s.getMaxUsage() > 0) {
        assertThat(s.getMaxUsage()).isBetween(56 * MIB, 64 * MIB);
      }
      assertThat(s.getUsage()).isLessThanOrEqualTo(64 * MIB);
      assertThat(outside.isAlive()).as("the process outside is untouched").isTrue();
    } finally {
      outside.destroyForcibly();
      outside.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void specReadsBackWhatTheKernelHoldsAndUpdatesApply() throws Exception {
    Container c = k.api.create("/m", spec("memory { limit: " + 100 * MIB + " reservation: " + 10 * MIB + " }"));
    assertThat(c.spec().getMemory().getLimit()).isEqualTo(100 * MIB);
    assertThat(c.spec().getMemory().getReservation()).isEqualTo(10 * MIB);
    c.update(spec("memory { limit: " + 200 * MIB + " }"), UpdatePolicy.DIFF);
    assertThat(ControlFiles.readLong(dir("m"), limitFile())).isEqualTo(200 * MIB);
    assertThat(c.spec().getMemory().getReservation()).isEqualTo(10 * MIB);
    // REPLACE resets what it does not name.
    c.update(spec("memory { limit: " + 50 * MIB + " }"), UpdatePolicy.REPLACE);
    assertThat(c.spec().getMemory().getReservation()).isEqualTo(0);
    assertThat(c.spec().getMemory().getLimit()).isEqualTo(50 * MIB);
    c.update(spec("memory { limit: -1 }"), UpdatePolicy.DIFF);
    assertThat(c.spec().getMemory().getLimit()).isEqualTo(-1);
    MemoryStats s = c.stats(StatsType.SUMMARY).getMemory();
    assertThat(s.getLimit()).isEqualTo(-1);
    assertThat(s.getUsage()).isGreaterThanOrEqualTo(0);
  }

  @Test
  void aContainerWithProcessesGetsSubcontainersThatIsolateMemoryWhereTheKernelAllows() throws Exception {
    Hierarchy mem = h;
    Container a = k.api.create("/a", ContainerSpec.getDefaultInstance());
    long pid = a.run(java.util.List.of("/bin/sleep", "30"), org.lmctfy.api.proto.RunSpec.newBuilder().setFdPolicy(org.lmctfy.api.proto.RunSpec.FdPolicy.DETACHED)
        .build());
    if (mem.unified()) {
      // cgroup-v2.rst "No Internal Process Constraint": /a's process lives in its process leaf, so /a's
      // cgroup holds none and can hand memory down to /a/b (issue 19; it used to be FAILED_PRECONDITION).
      k.api.create("/a/b", spec("memory { limit: 104857600 }"));
      assertThat(k.api.get("/a").listSubcontainers(org.lmctfy.api.ListPolicy.SELF)).extracting(Container::name)
          .containsExactly("/a/b");
      k.api.create("/a/plain", ContainerSpec.getDefaultInstance());
    } else {
      // v1 hierarchies have no such rule, but /a does not isolate memory, so /a/b cannot (v1 nesting).
      assertCode(() -> k.api.create("/a/b", spec("memory { limit: 104857600 }")), StatusCode.FAILED_PRECONDITION,
          "parent does not isolate it");
      k.api.create("/a/plain", ContainerSpec.getDefaultInstance());
    }
    assertThat(a.listProcesses(org.lmctfy.api.ListPolicy.SELF)).containsExactly(pid);
  }

  @Test
  void badValuesAndPatchedKernelFieldsAreRejectedBeforeAnythingIsWritten() throws Exception {
    assertCode(() -> k.api.create("/bad", spec("memory { limit: 0 }")), StatusCode.INVALID_ARGUMENT, "limit");
    assertCode(() -> k.api.create("/bad", spec("memory { limit: -5 }")), StatusCode.INVALID_ARGUMENT, "limit");
    assertCode(() -> k.api.create("/bad", spec("memory { limit: 100000000 swap_limit: 1000 }")),
        StatusCode.INVALID_ARGUMENT, "swap_limit");
    assertCode(() -> k.api.create("/bad", spec("memory { eviction_priority: 20000 }")),
        StatusCode.INVALID_ARGUMENT, "eviction_priority");
    assertCode(() -> k.api.create("/bad", spec("memory { eviction_priority: 5000 }")),
        StatusCode.UNIMPLEMENTED, "oom_score_badness");
    assertCode(() -> k.api.create("/bad", spec("memory { dirty { ratio: 5 limit: 6 } }")),
        StatusCode.INVALID_ARGUMENT, "dirty");
    assertCode(() -> k.api.create("/bad", spec("memory { stale_page_age: 1 }")),
        StatusCode.UNIMPLEMENTED, "stale_page_age");
    assertCode(() -> k.api.create("/bad", spec("memory { tmpfs { path: '/x' } }")),
        StatusCode.UNIMPLEMENTED, "tmpfs");
    assertThat(k.leftovers()).isEmpty();
  }

  private static void assertCode(Expect.Call call, StatusCode code, String fragment) {
    Expect.code(call, code, fragment);
  }
}

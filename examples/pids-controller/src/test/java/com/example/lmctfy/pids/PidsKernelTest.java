package com.example.lmctfy.pids;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.example.lmctfy.pids.proto.PidsSpec;
import com.example.lmctfy.pids.proto.PidsStats;
import com.google.protobuf.TypeRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.core.testing.KernelRoot;

/** The vendor pids plugin on the real kernel: a fork bomb stays under its limit (root only). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PidsKernelTest {
  private KernelRoot k;
  private TypeRegistry types;

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    assumeTrue(org.lmctfy.spi.cgroup.CgroupLayout.detect().forController("pids").isPresent(), "no pids");
    k = new KernelRoot(new PidsFactory());
    types = k.api.typeRegistry();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (k != null) {
      k.finish();
    }
  }

  private ContainerSpec spec(String text) throws ContainerException {
    return SpecFormat.parse(text.getBytes(StandardCharsets.UTF_8), ContainerSpec.newBuilder(), types).build();
  }

  @Test
  void aForkBombStaysWithinItsLimitAndTheMachineIsUnaffected() throws Exception {
    Container c = k.api.create("/bomb", spec(
        "extensions { key: 'pids' value { [type.googleapis.com/com.example.lmctfy.pids.PidsSpec] { max: 64 } } }"));
    assertThat(c.spec().getExtensionsMap().get("pids").unpack(PidsSpec.class).getMax()).isEqualTo(64);
    c.run(List.of("/bin/sh", "-c", "f() { f | f & }; f; sleep 30"),
        RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build());
    long peak = 0;
    long refused = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while (System.nanoTime() < deadline) {
      PidsStats s = c.stats(StatsType.SUMMARY).getExtensionsMap().get("pids").unpack(PidsStats.class);
      peak = Math.max(peak, s.getCurrent());
      refused = s.getRefused();
      assertThat(c.listThreads(ListPolicy.RECURSIVE).size()).isLessThanOrEqualTo(64);
      Thread.sleep(50);
    }
    assertThat(peak).as("the bomb reached its limit").isGreaterThan(32).isLessThanOrEqualTo(64);
    assertThat(refused).as("forks refused at the limit").isGreaterThan(0);
    // The machine still forks.
    Process p = new ProcessBuilder("/bin/true").start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    c.killAll(ListPolicy.RECURSIVE);
    assertThat(c.listProcesses(ListPolicy.RECURSIVE)).isEmpty();
  }

  @Test
  void badSpecsAreRejected() throws Exception {
    assertThatThrownBy(() -> k.api.create("/x", spec(
        "extensions { key: 'pids' value { [type.googleapis.com/com.example.lmctfy.pids.PidsSpec] { max: 0 } } }")))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT)).hasMessageContaining("pids.max");
    assertThatThrownBy(() -> k.api.create("/x", spec(
        "extensions { key: 'pids' value { [type.googleapis.com/com.example.lmctfy.pids.PidsStats] { max: 5 } } }")))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT)).hasMessageContaining("PidsSpec");
    assertThat(k.leftovers()).isEmpty();
  }
}

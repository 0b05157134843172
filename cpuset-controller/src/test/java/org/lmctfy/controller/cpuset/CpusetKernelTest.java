package org.lmctfy.controller.cpuset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.core.testing.Workload;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.Hierarchy;

/** The cpuset controller on the real kernel (root only). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CpusetKernelTest {
  private KernelRoot k;
  private Hierarchy h;
  private BitSet online;

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    assumeTrue(org.lmctfy.spi.cgroup.CgroupLayout.detect().forController("cpuset").isPresent(), "no cpuset");
    k = new KernelRoot(new CpusetFactory());
    h = k.layout.forController("cpuset").get();
    online = CpuList.parse(Files.readString(CpusetFactory.ONLINE));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (k != null) {
      k.finish();
    }
  }

  private static String allowedList(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("Cpus_allowed_list:")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    throw new AssertionError("no Cpus_allowed_list");
  }

  @Test
  void aProcessInAOneCpuContainerHasExactlyThatCpu() throws Exception {
    int last = online.length() - 1; // the highest online CPU
    Container c = k.api.create("/one", spec("cpu { mask { data: " + (1L << last) + " } }"));
    assertThat(ControlFiles.readLine(k.rootDir(h).resolve("one"), CpusetHandler.CPUS)).isEqualTo(Integer.toString(last));
    try (Workload w = Workload.start(c, 30, "sleep", "30")) {
      long pid = w.commandPid();
      assertThat(allowedList(pid)).isEqualTo(Integer.toString(last));
    }
    assertThat(CpuList.fromMask(c.spec().getCpu().getMask())).isEqualTo(BitSet.valueOf(new long[] {1L << last}));
    // A mask-only spec isolates cpuset alone; REPLACE with every online CPU widens it again.
    c.update(spec("cpu { mask { data: " + online.toLongArray()[0] + " } }"), UpdatePolicy.REPLACE);
    assertThat(CpuList.fromMask(c.spec().getCpu().getMask())).isEqualTo(online);
  }

  @Test
  void offlineOrNoCpusAreInvalid() throws Exception {
    assertThatThrownBy(() -> k.api.create("/x", spec("cpu { mask { data: " + (1L << 62) + " } }")))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT)).hasMessageContaining("62");
    assertThatThrownBy(() -> k.api.create("/x", spec("cpu { mask { data: 0 } }")))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT)).hasMessageContaining("no CPU");
    assertThat(k.leftovers()).isEmpty();
  }
}

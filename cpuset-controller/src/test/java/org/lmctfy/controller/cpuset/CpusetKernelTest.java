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

  /**
   * Issue 11: a container root that {@code init} makes while the cpuset bundle is absent, below a cpuset
   * whose cgroup.clone_children is 0 (its boot value), must hold the processes of containers that do not
   * isolate cpuset once the bundle is there. The test makes its own top cgroup with the flag at 0, so the
   * host's flag does not matter; on cgroup2 (cpusets inherit) the same steps must work too.
   */
  @Test
  void aRootMadeWithoutTheCpusetBundleHoldsProcesses() throws Exception {
    String top = "/lmctfy-test-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    Path state = Files.createTempDirectory("lmctfy-test-state");
    Path topDir = h.mountPoint().resolve(top.substring(1));
    try {
      ControlFiles.mkdir(topDir);
      if (!h.unified()) {
        for (String f : java.util.List.of(CpusetHandler.CPUS, CpusetHandler.MEMS)) {
          ControlFiles.write(topDir, f, ControlFiles.readLine(h.mountPoint(), f));
        }
        ControlFiles.write(topDir, CpusetFactory.CLONE_CHILDREN, "0");
      }
      org.lmctfy.core.FactoryRegistry factories = new org.lmctfy.core.FactoryRegistry();
      try (org.lmctfy.core.ContainerApiImpl api =
          new org.lmctfy.core.ContainerApiImpl(k.layout, top + "/root", state, factories)) {
        api.initMachine(org.lmctfy.api.proto.InitSpec.getDefaultInstance()); // no cpuset bundle yet
        if (!h.unified()) {
          assertThat(ControlFiles.readLine(topDir.resolve("root"), CpusetHandler.CPUS)).isNotEmpty();
          assertThat(ControlFiles.readLine(topDir.resolve("root"), CpusetHandler.MEMS)).isNotEmpty();
          assertThat(ControlFiles.readLine(topDir, CpusetFactory.CLONE_CHILDREN)).isEqualTo("0");
        }
        factories.add(new CpusetFactory()); // the bundle arrives
        Container c = api.create("/plain", ContainerSpec.getDefaultInstance()); // isolates no cpuset
        try (Workload w = Workload.start(c, 30, "sleep", "30")) {
          long pid = w.commandPid();
          String cpuset = Files.readAllLines(Path.of("/proc/" + pid + "/cgroup")).stream()
              .filter(l -> h.unified() ? l.startsWith("0::") : l.split(":")[1].contains("cpuset"))
              .findFirst().orElseThrow();
          assertThat(cpuset).endsWith(h.unified() ? top + "/root/plain/" + org.lmctfy.spi.cgroup.ProcessLeaf.NAME : top + "/root");
          assertThat(allowedList(pid)).isEqualTo(CpuList.format(online));
        }
        api.destroy(c);
      }
    } finally {
      KernelRoot.removeTree(k.layout, top, state);
    }
  }
}

package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.Container;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.core.testing.KernelFactories;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.core.testing.TestCgroupFactory;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.lmctfy.spi.cgroup.ProcessLeaf;

/**
 * lmctfy's process model on cgroup2 (issue 19): a container holds processes of its own and subcontainers
 * that isolate resources of their own, in either order, because its own processes live in its process leaf
 * ({@link ProcessLeaf}) and its cgroup holds none (cgroup2's "no internal processes" rule). The same
 * sequences run on v1, where there is no leaf. Real kernel, root only.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProcessLeafKernelTest {
  private static final RunSpec DETACHED = RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build();
  private KernelRoot k;

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    k = new KernelRoot(KernelFactories.standard(CgroupLayout.detect()).toArray(new TestCgroupFactory[0]));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (k != null) {
      k.finish(); // destroys everything and fails if a cgroup (a leaf included) is left behind
    }
  }

  private long sleep(Container c) throws Exception {
    return c.run(List.of("/bin/sleep", "60"), DETACHED);
  }

  /** The membership cgroup of {@code pid}, as /proc/PID/cgroup says. */
  private String cgroupOf(long pid) throws Exception {
    Hierarchy t = k.layout.tracking().get();
    String marker = t.unified() ? "0::" : ":name=" + t.name() + ":";
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
      int at = line.indexOf(marker);
      if (t.unified() ? at == 0 : at >= 0) {
        return line.substring(at + marker.length());
      }
    }
    throw new AssertionError("no membership cgroup for " + pid);
  }

  @Test
  void processesFirstThenAnIsolatingSubcontainerThenMoreProcesses() throws Exception {
    Container a = k.api.create("/acc-a", spec("memory { limit: 100000000 }"));
    long first = sleep(a);
    Container sub = k.api.create("/acc-a/sub", spec("memory { limit: 50000000 }"));
    long inSub = sleep(sub);
    long second = sleep(a);
    assertThat(a.listProcesses(ListPolicy.SELF)).containsExactlyInAnyOrder(first, second);
    assertThat(a.listProcesses(ListPolicy.RECURSIVE)).containsExactlyInAnyOrder(first, second, inSub);
    assertThat(a.listSubcontainers(ListPolicy.RECURSIVE)).extracting(Container::name).containsExactly("/acc-a/sub");
    assertThat(k.api.detect(first)).isEqualTo("/acc-a");
    assertThat(k.api.detect(inSub)).isEqualTo("/acc-a/sub");
    boolean v2 = k.layout.tracking().get().unified();
    assertThat(cgroupOf(first)).isEqualTo(k.root + "/acc-a" + (v2 ? "/" + ProcessLeaf.NAME : ""));
    assertThat(cgroupOf(inSub)).isEqualTo(k.root + "/acc-a/sub" + (v2 ? "/" + ProcessLeaf.NAME : ""));
    a.killAll(ListPolicy.SELF);
    assertThat(a.listProcesses(ListPolicy.SELF)).isEmpty();
    assertThat(sub.listProcesses(ListPolicy.SELF)).containsExactly(inSub);
  }

  @Test
  void anIsolatingSubcontainerFirstThenProcessesInTheParent() throws Exception {
    Container a = k.api.create("/acc-b", spec("memory { limit: 100000000 }"));
    Container sub = k.api.create("/acc-b/sub", spec("memory { limit: 50000000 }"));
    long inSub = sleep(sub);
    long own = sleep(a);
    assertThat(a.listProcesses(ListPolicy.SELF)).containsExactly(own);
    assertThat(sub.listProcesses(ListPolicy.SELF)).containsExactly(inSub);
    k.api.destroy(sub);
    assertThat(ProcessHandle.of(own)).as("the parent's process lives on").isPresent();
    assertThat(a.listProcesses(ListPolicy.RECURSIVE)).containsExactly(own);
  }

  /**
   * A container made before process leaves existed holds its processes in its own cgroup: an isolating
   * subcontainer moves them into the leaf first, and they stay the container's.
   */
  @Test
  void aContainerWhoseProcessesSitInItsOwnCgroupGetsAnIsolatingSubcontainer() throws Exception {
    Hierarchy t = k.layout.tracking().get();
    Container a = k.api.create("/old", spec("memory { limit: 100000000 }"));
    long pid = sleep(a);
    if (t.unified()) {
      // As the previous version placed it: directly into the container's cgroup.
      Files.writeString(k.rootDir(t).resolve("old").resolve("cgroup.procs"), Long.toString(pid));
      assertThat(cgroupOf(pid)).isEqualTo(k.root + "/old");
    }
    Container sub = k.api.create("/old/sub", spec("memory { limit: 50000000 }"));
    assertThat(a.listProcesses(ListPolicy.SELF)).containsExactly(pid);
    assertThat(k.api.detect(pid)).isEqualTo("/old");
    long inSub = sleep(sub);
    assertThat(sub.listProcesses(ListPolicy.SELF)).containsExactly(inSub);
    if (t.unified()) {
      assertThat(cgroupOf(pid)).isEqualTo(k.root + "/old/" + ProcessLeaf.NAME);
    }
  }
}

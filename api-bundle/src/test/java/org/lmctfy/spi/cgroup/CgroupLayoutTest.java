package org.lmctfy.spi.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.ContainerException;

/** Layout detection on fake mountinfo text for every layout lmctfy users run. */
class CgroupLayoutTest {
  @TempDir Path tmp;

  private static String line(int id, String root, String mountPoint, String fsType, String superOptions) {
    return id + " 23 0:" + id + " " + root + " " + mountPoint + " rw,relatime shared:" + id + " - " + fsType
        + " cgroup " + superOptions + "\n";
  }

  private static final String NOISE = "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
      + "25 22 0:5 / /proc rw - proc proc rw\n";

  @Test
  void thisMachinesHybridLayoutWithSeparateCpuAndCpuacct() throws ContainerException {
    String mi = NOISE
        + "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        + line(32, "/", "/sys/fs/cgroup/cpu", "cgroup", "rw,cpu")
        + line(33, "/", "/sys/fs/cgroup/cpuacct", "cgroup", "rw,cpuacct")
        + line(34, "/", "/sys/fs/cgroup/cpuset", "cgroup", "rw,cpuset")
        + line(35, "/", "/sys/fs/cgroup/memory", "cgroup", "rw,memory")
        + line(40, "/", "/sys/fs/cgroup/systemd", "cgroup", "rw,name=systemd")
        + line(41, "/", tmp + "/unified", "cgroup2", "rw");
    CgroupLayout l = CgroupLayout.parse(mi);
    assertThat(l.kind()).isEqualTo(LayoutKind.HYBRID);
    assertThat(l.hierarchies()).hasSize(6);
    assertThat(l.forController("cpu").get().mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup/cpu"));
    assertThat(l.forController("cpuacct").get().mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup/cpuacct"));
    assertThat(l.forController("freezer")).isEmpty();
    assertThat(l.named("systemd").get().controllers()).isEmpty();
    // cgroup2 beside v1 (no controllers): it tracks membership.
    assertThat(l.tracking().get().unified()).isTrue();
    assertThat(l.tracking().get().controllers()).isEmpty();
  }

  @Test
  void coMountedCpuAndCpuacct() throws ContainerException {
    String mi = line(32, "/", "/sys/fs/cgroup/cpu,cpuacct", "cgroup", "rw,cpu,cpuacct")
        + line(35, "/", "/sys/fs/cgroup/memory", "cgroup", "rw,memory");
    CgroupLayout l = CgroupLayout.parse(mi);
    assertThat(l.kind()).isEqualTo(LayoutKind.V1);
    Hierarchy cpu = l.forController("cpu").get();
    assertThat(cpu).isSameAs(l.forController("cpuacct").get());
    assertThat(cpu.controllers()).containsExactlyInAnyOrder("cpu", "cpuacct");
    // Pure v1 without the named tracking hierarchy: nothing tracks until initMachine mounts it.
    assertThat(l.tracking()).isEmpty();
  }

  @Test
  void namedTrackingHierarchyOnV1() throws ContainerException {
    String mi = line(32, "/", "/sys/fs/cgroup/freezer", "cgroup", "rw,freezer")
        + line(33, "/", "/sys/fs/cgroup/lmctfy", "cgroup", "rw,none,name=lmctfy,release_agent=/x");
    CgroupLayout l = CgroupLayout.parse(mi);
    Hierarchy t = l.tracking().get();
    assertThat(t.name()).isEqualTo("lmctfy");
    assertThat(t.unified()).isFalse();
    assertThat(t.controllers()).isEmpty();
  }

  @Test
  void pureV2ReadsControllersFromTheMount() throws Exception {
    Files.writeString(tmp.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
    String mi = NOISE + line(30, "/", tmp.toString(), "cgroup2", "rw,nsdelegate,memory_recursiveprot");
    CgroupLayout l = CgroupLayout.parse(mi);
    assertThat(l.kind()).isEqualTo(LayoutKind.V2);
    assertThat(l.forController("memory").get().unified()).isTrue();
    assertThat(l.forController("io").get().mountPoint()).isEqualTo(tmp);
    assertThat(l.forController("freezer")).isEmpty();
    assertThat(l.tracking().get()).isSameAs(l.unified().get());
  }

  @Test
  void v1ControllerIsNotTakenFromV2() throws Exception {
    // A controller bound to v1 is unavailable in cgroup2 even if listed (it cannot be in both).
    Files.writeString(tmp.resolve("cgroup.controllers"), "memory pids\n");
    String mi = line(35, "/", "/sys/fs/cgroup/memory", "cgroup", "rw,memory")
        + line(41, "/", tmp.toString(), "cgroup2", "rw");
    CgroupLayout l = CgroupLayout.parse(mi);
    assertThat(l.forController("memory").get().unified()).isFalse();
    assertThat(l.forController("pids").get().unified()).isTrue();
  }

  @Test
  void escapedMountPointsAndSubtreeRoots() throws ContainerException {
    String mi = line(32, "/machine\\040slice", "/mnt/my\\040cgroups", "cgroup", "rw,memory");
    Hierarchy h = CgroupLayout.parse(mi).forController("memory").get();
    assertThat(h.mountPoint()).isEqualTo(Path.of("/mnt/my cgroups"));
    assertThat(h.mountRoot()).isEqualTo("/machine slice");
  }

  @Test
  void noCgroupsAtAll() throws ContainerException {
    CgroupLayout l = CgroupLayout.parse(NOISE);
    assertThat(l.kind()).isEqualTo(LayoutKind.NONE);
    assertThat(l.hierarchies()).isEmpty();
  }

  @Test
  void malformedMountinfoIsAnError() {
    assertThatThrownBy(() -> CgroupLayout.parse("garbage line without separator\n"))
        .isInstanceOf(ContainerException.class).hasMessageContaining("Malformed mountinfo");
  }

  @Test
  void detectsTheRealMachine() throws ContainerException {
    // Whatever this machine is, detection must succeed and be self-consistent.
    CgroupLayout l = CgroupLayout.detect();
    for (Hierarchy h : l.hierarchies()) {
      assertThat(Files.isDirectory(h.mountPoint())).as(h.toString()).isTrue();
    }
  }
}

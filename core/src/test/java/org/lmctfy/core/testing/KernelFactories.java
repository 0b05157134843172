package org.lmctfy.core.testing;

import java.util.ArrayList;
import java.util.List;
import org.lmctfy.spi.cgroup.CgroupLayout;

/**
 * Test resources for cpu, memory, cpuset, blockio and freezer writing the kernel files of whichever cgroup
 * version holds each controller, so kernel tests and benchmarks run unchanged on v1, hybrid and v2 hosts.
 * A controller the machine lacks is left out.
 */
public final class KernelFactories {
  private KernelFactories() {}

  public static List<TestCgroupFactory> standard(CgroupLayout layout) {
    List<TestCgroupFactory> out = new ArrayList<>();
    layout.forController("cpu").ifPresent(h -> out.add(TestCgroupFactory.forField("cpu", "cpu")
        .write(h.unified() ? "cpu.weight" : "cpu.shares", h.unified() ? "50" : "512")));
    layout.forController("memory").ifPresent(h -> out.add(TestCgroupFactory.forField("memory", "memory")
        .write(h.unified() ? "memory.max" : "memory.limit_in_bytes", "104857600")));
    layout.forController("cpuset").ifPresent(h -> out.add(TestCgroupFactory.forField("cpuset", "cpuset")
        .write("cpuset.cpus", "0").write("cpuset.mems", "0")));
    for (String c : List.of("blkio", "io")) {
      layout.forController(c).ifPresent(h -> out.add(TestCgroupFactory.forField("blockio", c)));
    }
    layout.forController("freezer").ifPresent(h -> out.add(TestCgroupFactory.forField("freezer", "freezer")));
    return out;
  }
}

package org.lmctfy.yarn;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.nodemanager.util.NodeManagerHardwareUtils;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.CpuSpec;
import org.lmctfy.api.proto.MemorySpec;

/**
 * A YARN container's resource ask as an lmctfy spec, with the NodeManager's enforcement settings as YARN's own
 * cgroups handlers read them ({@code CGroupsMemoryResourceHandlerImpl}, {@code CGroupsCpuResourceHandlerImpl}):
 *
 * <ul>
 *   <li>memory: the ask in bytes is the hard limit when {@code yarn.nodemanager.resource.memory.enforced}
 *       (default true); otherwise the container is accounted only (YARN's memory monitor may still act);
 *   <li>cpu: shares from vcores (lmctfy's milli-CPUs, 1000 per vcore: 1024 shares, YARN's weight per vcore);
 *       with {@code yarn.nodemanager.linux-container-executor.cgroups.strict-resource-usage} also a hard cap,
 *       the container's part of the CPUs YARN may use ({@code vcores / node vcores * containers' CPUs}), none
 *       for a container that asks every vcore of the node (as YARN).
 * </ul>
 *
 * @param memoryEnforced the memory ask is a hard limit
 * @param strictCpu a hard cpu cap as well as shares
 * @param nodeVcores the vcores the node offers YARN
 * @param containersCpus the physical CPUs YARN's containers may use together (cores times the percentage limit)
 */
public record YarnResources(boolean memoryEnforced, boolean strictCpu, int nodeVcores, float containersCpus) {
  static final long MILLI_CPUS_PER_VCORE = 1000;
  static final long BYTES_PER_MB = 1L << 20;

  public YarnResources {
    if (nodeVcores <= 0 || !(containersCpus > 0)) {
      throw new IllegalArgumentException("The node offers " + nodeVcores + " vcores on " + containersCpus
          + " CPUs: both must be positive");
    }
  }

  /** The NodeManager's settings. */
  public static YarnResources from(Configuration conf) {
    return new YarnResources(
        conf.getBoolean(YarnConfiguration.NM_MEMORY_RESOURCE_ENFORCED,
            YarnConfiguration.DEFAULT_NM_MEMORY_RESOURCE_ENFORCED),
        conf.getBoolean(YarnConfiguration.NM_LINUX_CONTAINER_CGROUPS_STRICT_RESOURCE_USAGE,
            YarnConfiguration.DEFAULT_NM_LINUX_CONTAINER_CGROUPS_STRICT_RESOURCE_USAGE),
        NodeManagerHardwareUtils.getVCores(conf),
        NodeManagerHardwareUtils.getContainersCPUs(conf));
  }

  /** The spec of a container that asked {@code ask}. */
  public ContainerSpec spec(Resource ask) {
    long bytes = ask.getMemorySize() * BYTES_PER_MB;
    if (bytes <= 0) {
      throw new IllegalArgumentException("A container must ask for memory, got " + ask);
    }
    MemorySpec.Builder memory = MemorySpec.newBuilder();
    // Unenforced: no limit (-1, as lmctfy reads an unlimited one), the usage still accounted in the cgroup.
    memory.setLimit(memoryEnforced ? bytes : -1);
    int vcores = Math.max(1, ask.getVirtualCores());
    CpuSpec.Builder cpu = CpuSpec.newBuilder().setLimit(vcores * MILLI_CPUS_PER_VCORE);
    if (strictCpu && vcores < nodeVcores) {
      cpu.setMaxLimit(Math.max(1, Math.round(MILLI_CPUS_PER_VCORE * containersCpus * vcores / nodeVcores)));
    }
    return ContainerSpec.newBuilder().setMemory(memory).setCpu(cpu).build();
  }

  /**
   * The spec of a container that holds others (the parent of all applications, an application): it isolates
   * what its children isolate (cgroup v1 lets a child isolate a resource only when its parent does), limits
   * nothing itself, and weighs {@code milliCpus} against its siblings: an application the sum of its
   * containers' vcores, so that the hierarchy keeps YARN's weight per vcore between containers of different
   * applications.
   */
  public static ContainerSpec holder(long milliCpus) {
    return ContainerSpec.newBuilder().setMemory(MemorySpec.newBuilder().setLimit(-1))
        .setCpu(CpuSpec.newBuilder().setLimit(Math.max(MILLI_CPUS_PER_VCORE, milliCpus))).build();
  }

  /** The parent of all applications: the node's vcores. */
  public ContainerSpec parent() {
    return holder(nodeVcores * MILLI_CPUS_PER_VCORE);
  }
}

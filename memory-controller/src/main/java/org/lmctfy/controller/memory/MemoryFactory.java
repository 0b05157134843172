package org.lmctfy.controller.memory;

import java.nio.file.Path;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.MemorySpec;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.SpecOperation;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.ControllerFactory;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.osgi.service.component.annotations.Component;

/**
 * lmctfy's {@code memory} resource: limit, reservation, swap, (cgroup2) a hard max above a throttling
 * limit; usage, working set, memory.stat breakdown, OOM kills. Google-kernel-only fields are
 * UNIMPLEMENTED, naming the field.
 */
@Component(service = ResourceHandlerFactory.class, property = ResourceHandlerFactory.RESOURCE_PROPERTY + "=memory")
public final class MemoryFactory extends ControllerFactory {
  @Override
  public String resource() {
    return "memory";
  }

  @Override
  public boolean isMentioned(ContainerSpec spec) {
    return spec.hasMemory();
  }

  @Override
  public List<Hierarchy> hierarchies(CgroupLayout layout) {
    return layout.forController("memory").map(List::of).orElse(List.of());
  }

  @Override
  protected String v2Controller() {
    return "memory";
  }

  @Override
  protected ResourceHandler handler(ContainerContext container, Hierarchy main, List<Path> dirs) {
    return new MemoryHandler(container, main, dirs);
  }

  @Override
  public void validate(ContainerContext container, ContainerSpec spec, SpecOperation operation)
      throws ContainerException {
    boolean v2 = require(container.tree()).get(0).unified();
    MemorySpec m = spec.getMemory();
    if (m.hasLimit()) {
      checkBytes("memory.limit", m.getLimit());
    }
    if (m.hasReservation() && m.getReservation() < -1) {
      throw ContainerException.invalidArgument("memory.reservation must be >= 0 (or -1), got " + m.getReservation());
    }
    if (m.hasSwapLimit()) {
      checkBytes("memory.swap_limit", m.getSwapLimit());
      if (m.getSwapLimit() != -1 && m.hasLimit() && m.getLimit() != -1 && m.getSwapLimit() < m.getLimit()) {
        throw ContainerException.invalidArgument("memory.swap_limit (memory + swap, " + m.getSwapLimit()
            + ") must be >= memory.limit (" + m.getLimit() + ")");
      }
    }
    if (m.hasMaxLimit()) {
      if (!v2) {
        throw ContainerException.unimplemented("memory.max_limit needs cgroup2's memory.high/memory.max;"
            + " cgroup v1 has a single hard limit (use memory.limit)");
      }
      checkBytes("memory.max_limit", m.getMaxLimit());
      if (m.getMaxLimit() != -1 && (!m.hasLimit() || m.getLimit() == -1 || m.getMaxLimit() < m.getLimit())) {
        throw ContainerException.invalidArgument("memory.max_limit (" + m.getMaxLimit()
            + ") needs a memory.limit at or below it");
      }
    }
    if (m.hasEvictionPriority()) {
      if (m.getEvictionPriority() < 0 || m.getEvictionPriority() > 10_000) {
        throw ContainerException.invalidArgument(
            "memory.eviction_priority must be within 0-10000, got " + m.getEvictionPriority());
      }
      throw unimplemented("eviction_priority", "memory.oom_score_badness");
    }
    if (m.hasHugetlbfsPath()) {
      throw ContainerException.unimplemented("memory.hugetlbfs_path is not implemented (as in lmctfy)");
    }
    if (m.hasTmpfs()) {
      throw ContainerException.unimplemented("memory.tmpfs is not implemented (as in lmctfy)");
    }
    if (m.hasCompressionSamplingRatio()) {
      throw unimplemented("compression_sampling_ratio", "memory.compression_sampling_ratio");
    }
    if (m.hasStalePageAge()) {
      throw unimplemented("stale_page_age", "memory.stale_page_age");
    }
    if (m.hasDirty()) {
      MemorySpec.Dirty d = m.getDirty();
      if ((d.hasRatio() || d.hasBackgroundRatio()) && (d.hasLimit() || d.hasBackgroundLimit())) {
        throw ContainerException.invalidArgument("memory.dirty takes either ratios or limits, not both");
      }
      throw unimplemented("dirty", "memory.dirty_ratio");
    }
    if (m.hasKmemChargeUsage() && !m.getKmemChargeUsage()) {
      throw ContainerException.unimplemented("memory.kmem_charge_usage: false cannot be honoured: this kernel"
          + " always charges kernel memory to the cgroup");
    }
  }

  private static void checkBytes(String field, long value) throws ContainerException {
    if (value == 0 || value < -1) {
      throw ContainerException.invalidArgument(field + " must be a positive number of bytes (or -1 for"
          + " unlimited), got " + value);
    }
  }

  private static ContainerException unimplemented(String field, String file) {
    return ContainerException.unimplemented("memory." + field + " needs " + file
        + ", which exists only in Google's patched kernel");
  }
}

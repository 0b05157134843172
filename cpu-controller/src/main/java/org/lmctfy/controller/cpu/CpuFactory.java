package org.lmctfy.controller.cpu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.CpuSpec;
import org.lmctfy.api.proto.SchedulingLatency;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.SpecOperation;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.ControllerFactory;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.osgi.service.component.annotations.Component;

/**
 * lmctfy's {@code cpu} resource: relative share ({@code limit}), hard cap ({@code max_limit}), latency
 * class, usage and throttling. v1: the cpu hierarchy, plus cpuacct for usage where it is mounted apart;
 * cgroup2: the cpu controller. {@code mask} belongs to the cpuset resource.
 */
@Component(service = ResourceHandlerFactory.class, property = ResourceHandlerFactory.RESOURCE_PROPERTY + "=cpu")
public final class CpuFactory extends ControllerFactory {
  @Override
  public String resource() {
    return "cpu";
  }

  @Override
  public boolean isMentioned(ContainerSpec spec) {
    // A CpuSpec with only a mask is affinity alone, which the cpuset resource owns.
    CpuSpec c = spec.getCpu();
    return spec.hasCpu() && (c.hasLimit() || c.hasMaxLimit() || c.hasSchedulingLatency() || !c.hasMask());
  }

  @Override
  public List<Hierarchy> hierarchies(CgroupLayout layout) {
    List<Hierarchy> out = new ArrayList<>();
    layout.forController("cpu").ifPresent(out::add);
    if (!out.isEmpty() && !out.get(0).unified()) {
      layout.forController("cpuacct").filter(h -> !h.unified()).ifPresent(out::add);
    }
    return out;
  }

  @Override
  protected String v2Controller() {
    return "cpu";
  }

  @Override
  protected ResourceHandler handler(ContainerContext container, Hierarchy main, List<Path> dirs) {
    return new CpuHandler(container, main, dirs);
  }

  @Override
  public void validate(ContainerContext container, ContainerSpec spec, SpecOperation operation)
      throws ContainerException {
    List<Hierarchy> hs = require(container.tree());
    CpuSpec cpu = spec.getCpu();
    if (cpu.hasLimit() && cpu.getLimit() > CpuConversions.MAX_SHARES * 1000 / 1024) {
      throw ContainerException.invalidArgument("cpu.limit " + cpu.getLimit() + " milli-CPUs is above the"
          + " kernel's largest share (" + CpuConversions.MAX_SHARES * 1000 / 1024 + ")");
    }
    if (cpu.hasMaxLimit()) {
      long quota = CpuConversions.milliCpusToQuotaUs(cpu.getMaxLimit());
      if (quota < CpuConversions.MIN_QUOTA_US) {
        throw ContainerException.invalidArgument("cpu.max_limit " + cpu.getMaxLimit()
            + " milli-CPUs is below the minimum of 4 (a quota of at least 1 ms per 250 ms period)");
      }
      long online = OnlineCpus.count();
      if (cpu.getMaxLimit() > online * 1000) {
        throw ContainerException.invalidArgument("cpu.max_limit " + cpu.getMaxLimit() + " milli-CPUs is more"
            + " than this machine's " + online + " online CPUs (" + online * 1000 + ")");
      }
    }
    if (cpu.hasSchedulingLatency()) {
      if (operation != SpecOperation.CREATE) {
        SchedulingLatency current = container.requestedSpec().map(s -> s.getCpu().hasSchedulingLatency()
            ? s.getCpu().getSchedulingLatency() : SchedulingLatency.PRIORITY).orElse(SchedulingLatency.PRIORITY);
        if (current != cpu.getSchedulingLatency()) {
          throw ContainerException.invalidArgument("cpu.scheduling_latency cannot be changed after creation ("
              + current + " -> " + cpu.getSchedulingLatency() + ")");
        }
      }
      if (cpu.getSchedulingLatency() == SchedulingLatency.PREMIER) {
        throw ContainerException.unimplemented("cpu.scheduling_latency PREMIER needs cpu.lat (Google's patched"
            + " kernel); this kernel offers PRIORITY/NORMAL (default scheduling) and BEST_EFFORT (cpu.idle)");
      }
      if (cpu.getSchedulingLatency() == SchedulingLatency.BEST_EFFORT) {
        Hierarchy h = hs.get(0);
        if (!org.lmctfy.spi.cgroup.ControlFiles.exists(container.tree().rootDir(h), CpuHandler.IDLE)
            && !org.lmctfy.spi.cgroup.ControlFiles.exists(h.mountPoint(), CpuHandler.IDLE)) {
          throw ContainerException.unimplemented("cpu.scheduling_latency BEST_EFFORT needs " + CpuHandler.IDLE
              + " (Linux 5.15+), which " + h + " lacks");
        }
      }
    }
  }
}

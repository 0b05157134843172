package org.lmctfy.controller.monitoring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.SpecOperation;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.ControllerFactory;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.osgi.service.component.annotations.Component;

/**
 * lmctfy's {@code monitoring} resource: the container gets a perf_event cgroup, so that perf can count its
 * processes alone ({@code perf stat -G}). v1: a directory in the perf_event hierarchy, which {@code init} mounts
 * when its InitSpec asks ({@code cgroup_mount { hierarchy: CGROUP_PERF_EVENT }}); cgroup2 (perf_event not bound
 * to v1): perf_event is implicit on every cgroup2 cgroup (Documentation/admin-guide/cgroup-v2.rst, "perf_event"),
 * so the container's own cgroup is it.
 */
@Component(service = ResourceHandlerFactory.class, property = ResourceHandlerFactory.RESOURCE_PROPERTY + "=monitoring")
public final class MonitoringFactory extends ControllerFactory {
  static final String PERF_EVENT = "perf_event";
  private final Path procCgroups;

  public MonitoringFactory() {
    this(Path.of("/proc/cgroups"));
  }

  /** @param procCgroups the kernel's controller table (proc(5), /proc/cgroups), for tests */
  MonitoringFactory(Path procCgroups) {
    this.procCgroups = procCgroups;
  }

  @Override
  public String resource() {
    return "monitoring";
  }

  @Override
  public boolean isMentioned(ContainerSpec spec) {
    return spec.hasMonitoring();
  }

  @Override
  public List<Hierarchy> hierarchies(CgroupLayout layout) {
    var v1 = layout.v1(PERF_EVENT);
    if (v1.isPresent()) {
      return List.of(v1.get());
    }
    // cgroup.controllers never lists perf_event: the kernel's table says whether it is built in and on cgroup2.
    return onCgroup2(layout) ? layout.unified().map(List::of).orElse(List.of()) : List.of();
  }

  /**
   * The answer of the kernel's table for one layout (the mounts it was detected from): every handler look-up
   * asks, and reading /proc/cgroups each time cost 6 system calls per look-up. perf_event moves to or from
   * cgroup2 only with a change of mounts, which a re-detected layout is.
   */
  private volatile Known perfEventOnCgroup2;

  private record Known(CgroupLayout layout, boolean on) {}

  private boolean onCgroup2(CgroupLayout layout) {
    Known known = perfEventOnCgroup2;
    if (known == null || known.layout() != layout) {
      known = new Known(layout, onCgroup2());
      perfEventOnCgroup2 = known;
    }
    return known.on();
  }

  /** /proc/cgroups lists perf_event, enabled, in hierarchy 0 (the cgroup2 one). */
  private boolean onCgroup2() {
    try {
      for (String line : Files.readAllLines(procCgroups)) {
        String[] f = line.trim().split("\\s+");
        if (f.length >= 4 && f[0].equals(PERF_EVENT)) {
          return f[1].equals("0") && f[3].equals("1");
        }
      }
    } catch (IOException e) {
      return false; // no controller table: treated as no perf_event (FAILED_PRECONDITION at use)
    }
    return false;
  }

  @Override
  protected String v2Controller() {
    return null; // implicit on every cgroup2 cgroup
  }

  @Override
  protected ResourceHandler handler(ContainerContext container, Hierarchy main, List<Path> dirs) {
    return new MonitoringHandler(container, main, dirs);
  }

  @Override
  public void validate(ContainerContext container, ContainerSpec spec, SpecOperation operation)
      throws ContainerException {
    if (hierarchies(container.tree().layout()).isEmpty()) {
      throw ContainerException.failedPrecondition("Resource monitoring needs a perf_event cgroup, and this machine"
          + " has none: the perf_event hierarchy is not mounted (cgroup v1) and perf_event is not on a mounted"
          + " cgroup2 (check /proc/cgroups). Mount it with init: cgroup_mount { mount_path:"
          + " \"/sys/fs/cgroup/perf_event\" hierarchy: CGROUP_PERF_EVENT }");
    }
    var m = spec.getMonitoring();
    if (operation != SpecOperation.CREATE && m.hasEnablePerfCounters() && !m.getEnablePerfCounters()) {
      throw ContainerException.unimplemented("monitoring.enable_perf_counters cannot be turned off after creation:"
          + " the container's processes stay in its perf_event cgroup");
    }
  }
}

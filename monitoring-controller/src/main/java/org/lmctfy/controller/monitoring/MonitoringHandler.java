package org.lmctfy.controller.monitoring;

import java.nio.file.Path;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.api.proto.MonitoringSpec;
import org.lmctfy.api.proto.MonitoringStats;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.StatsCapability;
import org.lmctfy.spi.cgroup.ControllerHandler;
import org.lmctfy.spi.cgroup.Hierarchy;

/**
 * A container's perf_event cgroup. It has no settings: being in it is the feature (perf counts a cgroup's
 * tasks and its descendants'). {@code stats} names it for {@code perf stat -G}.
 */
final class MonitoringHandler extends ControllerHandler implements StatsCapability {
  MonitoringHandler(ContainerContext container, Hierarchy hierarchy, List<Path> dirs) {
    super(container, hierarchy, dirs);
  }

  @Override
  public String resource() {
    return "monitoring";
  }

  @Override
  public void update(ContainerSpec spec, UpdatePolicy policy) {
    // Nothing to write: the cgroup exists from creation (validate refuses turning it off).
  }

  @Override
  public void fillSpec(ContainerSpec.Builder spec) {
    spec.setMonitoring(MonitoringSpec.newBuilder().setEnablePerfCounters(true));
  }

  @Override
  public void fillStats(StatsType type, ContainerStats.Builder stats) throws ContainerException {
    stats.setMonitoring(MonitoringStats.newBuilder()
        .setPerfEventCgroup(perfCgroupName())
        .setPerfEventMount(hierarchy.mountPoint().toString()));
  }

  /** The cgroup's path relative to the mount, as {@code perf stat -G} takes it ("" for the mount's root). */
  String perfCgroupName() {
    return hierarchy.mountPoint().relativize(dir).toString();
  }
}

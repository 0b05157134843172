package org.lmctfy.spi;

import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.CpuSpec;
import org.lmctfy.api.proto.EventSpec;

/**
 * lmctfy's built-in resources as its API names them: which fixed {@code ContainerSpec} fields configure which
 * resource, and which resource serves each resource event of {@code EventSpec}. This table belongs to the API,
 * not to a resource bundle: a spec that mentions a resource whose bundle is absent is still refused UNAVAILABLE
 * naming it. A vendor's resource is named by its {@code ContainerSpec.extensions} key instead.
 *
 * @since 1.1
 */
public final class BuiltInResources {
  private BuiltInResources() {}

  /** The built-in resources whose fields {@code spec} sets. */
  public static Set<String> mentionedBy(ContainerSpec spec) {
    Set<String> out = new TreeSet<>();
    if (spec.hasCpu()) {
      // A CpuSpec with only a mask is CPU affinity alone: the cpuset resource, not cpu.
      CpuSpec c = spec.getCpu();
      if (c.hasLimit() || c.hasMaxLimit() || c.hasSchedulingLatency() || !c.hasMask()) {
        out.add("cpu");
      }
      if (c.hasMask()) {
        out.add("cpuset");
      }
    }
    if (spec.hasMemory()) {
      out.add("memory");
    }
    if (spec.hasBlockio()) {
      out.add("blockio");
    }
    if (spec.hasDevice()) {
      out.add("device");
    }
    if (spec.hasNetwork()) {
      out.add("network");
    }
    if (spec.hasMonitoring()) {
      out.add("monitoring");
    }
    if (spec.hasFilesystem()) {
      out.add("filesystem");
    }
    if (spec.hasVirtualHost()) {
      out.add("virtualhost");
    }
    return out;
  }

  /**
   * The field of {@code spec} that only a create may set, as in lmctfy ({@code virtual_host}), or empty: an
   * update naming it is UNIMPLEMENTED, whether or not the container isolates the resource.
   */
  public static Optional<String> fixedAtCreation(ContainerSpec spec) {
    return spec.hasVirtualHost() ? Optional.of("virtual_host") : Optional.empty();
  }

  /**
   * {@code spec} without the settings an update with policy REPLACE replaces: every built-in resource's that
   * an update may change, and the vendors' extensions. What only a create sets stays.
   */
  public static ContainerSpec.Builder withoutUpdatableResources(ContainerSpec spec) {
    return spec.toBuilder().clearCpu().clearMemory().clearBlockio().clearDevice().clearFilesystem()
        .clearMonitoring().clearNetwork().clearExtensions();
  }

  /**
   * The resource that serves the event {@code spec} names ({@code oom} and {@code memory_threshold}: memory);
   * empty for an event no resource serves ({@code container_empty} is about membership, which the core
   * tracks) and for one unknown to this version.
   */
  public static Optional<String> servingEvent(EventSpec spec) {
    if (spec.hasOom() || spec.hasMemoryThreshold()) {
      return Optional.of("memory");
    }
    return Optional.empty();
  }
}

package org.lmctfy.core;

import java.util.Set;
import java.util.TreeSet;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.CpuSpec;
import org.lmctfy.spi.ResourceHandlerFactory;

/**
 * Which resources a spec mentions: lmctfy's fixed table of ContainerSpec fields, the keys of
 * {@code extensions}, and whatever an active factory claims (e.g. freezer, which every container gets).
 */
final class SpecResources {
  private SpecResources() {}

  static Set<String> mentioned(ContainerSpec spec, Iterable<ResourceHandlerFactory> factories)
      throws ContainerException {
    if (spec.hasSecuritySpec()) {
      throw ContainerException.unimplemented(
          "security_spec is not implemented (as in lmctfy); use RunSpec.apparmor_profile");
    }
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
    out.addAll(spec.getExtensionsMap().keySet());
    for (ResourceHandlerFactory f : factories) {
      if (f.isMentioned(spec)) {
        out.add(f.resource());
      }
    }
    return out;
  }

  /** Resources that every container gets: those whose factory claims even an empty spec. */
  static Set<String> implicit(Iterable<ResourceHandlerFactory> factories) {
    Set<String> out = new TreeSet<>();
    for (ResourceHandlerFactory f : factories) {
      if (f.isMentioned(ContainerSpec.getDefaultInstance())) {
        out.add(f.resource());
      }
    }
    return out;
  }
}

package org.lmctfy.core;

import java.util.Set;
import java.util.TreeSet;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.spi.BuiltInResources;
import org.lmctfy.spi.ResourceHandlerFactory;

/**
 * Which resources a spec mentions: lmctfy's fixed ContainerSpec fields (the API's table, {@link BuiltInResources},
 * so that a resource whose bundle is absent is still named), the keys of {@code extensions}, and whatever an
 * active factory claims (e.g. a resource every container gets).
 */
final class SpecResources {
  private SpecResources() {}

  static Set<String> mentioned(ContainerSpec spec, Iterable<ResourceHandlerFactory> factories)
      throws ContainerException {
    if (spec.hasSecuritySpec()) {
      throw ContainerException.unimplemented(
          "security_spec is not implemented (as in lmctfy); use RunSpec.apparmor_profile");
    }
    Set<String> out = new TreeSet<>(BuiltInResources.mentionedBy(spec));
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

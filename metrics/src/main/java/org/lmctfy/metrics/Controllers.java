package org.lmctfy.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Which resources have a controller now (a bound {@code ResourceHandlerFactory}), and every resource ever seen:
 * bound once, expected by configuration, or named unavailable by a container. A resource seen and not bound is
 * reported absent (0), so that a departed controller is a series that says so, not a series that vanishes.
 */
final class Controllers {
  private final Map<Object, String> bound = new ConcurrentHashMap<>();
  private final Set<String> seen = new ConcurrentSkipListSet<>();

  void bind(Object factory, String resource) {
    bound.put(factory, resource);
    seen.add(resource);
  }

  void unbind(Object factory) {
    bound.remove(factory);
  }

  void expect(Collection<String> resources) {
    seen.addAll(resources);
  }

  boolean present(String resource) {
    return bound.containsValue(resource);
  }

  void addTo(SeriesSet out) {
    Map<String, Boolean> state = new TreeMap<>();
    seen.forEach(r -> state.put(r, false));
    bound.values().forEach(r -> state.put(r, true));
    state.forEach((r, present) -> out.gauge("lmctfy_controller_present",
        "1 when the resource's controller bundle is active, 0 when it is absent (its series are missing).",
        Labels.of("resource", r), present ? 1 : 0));
  }
}

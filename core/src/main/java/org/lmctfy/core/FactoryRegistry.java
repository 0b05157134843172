package org.lmctfy.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.lmctfy.spi.ResourceHandlerFactory;

/**
 * The resource factories active now. They come and go at any time (bundles stopped, updated, installed);
 * when two serve the same resource (an update in flight) the one bound last wins.
 */
public final class FactoryRegistry {
  private final Map<String, Deque<ResourceHandlerFactory>> byResource = new HashMap<>();

  public synchronized void add(ResourceHandlerFactory factory) {
    byResource.computeIfAbsent(factory.resource(), r -> new ArrayDeque<>()).addLast(factory);
  }

  public synchronized void remove(ResourceHandlerFactory factory) {
    Deque<ResourceHandlerFactory> d = byResource.get(factory.resource());
    if (d != null) {
      d.removeIf(f -> f == factory);
      if (d.isEmpty()) {
        byResource.remove(factory.resource());
      }
    }
  }

  public synchronized Optional<ResourceHandlerFactory> get(String resource) {
    Deque<ResourceHandlerFactory> d = byResource.get(resource);
    return d == null ? Optional.empty() : Optional.of(d.peekLast());
  }

  /** One factory per resource, sorted by resource name. */
  public synchronized List<ResourceHandlerFactory> all() {
    List<ResourceHandlerFactory> out = new ArrayList<>();
    for (String r : new TreeSet<>(byResource.keySet())) {
      out.add(byResource.get(r).peekLast());
    }
    return out;
  }
}

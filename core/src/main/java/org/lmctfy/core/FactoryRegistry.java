package org.lmctfy.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.lmctfy.spi.ResourceHandlerFactory;

/**
 * The resource factories active now. They come and go at any time (bundles stopped, updated, installed);
 * when two serve the same resource (an update in flight) the one bound last wins.
 */
public final class FactoryRegistry {
  private final Map<String, Deque<ResourceHandlerFactory>> byResource = new HashMap<>();
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private final Map<ResourceHandlerFactory, Guard.Guarded> guarded = new java.util.IdentityHashMap<>();

  /** Registers a factory (guarded: see {@link Guard}). */
  public void add(ResourceHandlerFactory factory) {
    Guard.Guarded g = Guard.factory(factory);
    synchronized (this) {
      guarded.put(factory, g);
      byResource.computeIfAbsent(factory.resource(), r -> new ArrayDeque<>()).addLast(g.factory());
    }
    changed(factory.resource());
  }

  public void remove(ResourceHandlerFactory factory) {
    String resource;
    synchronized (this) {
      Guard.Guarded g = guarded.remove(factory);
      if (g == null) {
        return;
      }
      g.gone().set(true);
      resource = g.factory().resource();
      Deque<ResourceHandlerFactory> d = byResource.get(resource);
      if (d != null) {
        d.removeIf(f -> f == g.factory());
        if (d.isEmpty()) {
          byResource.remove(resource);
        }
      }
    }
    changed(resource);
  }

  /** Told the resource's name after its active factory may have changed (added, removed, replaced). */
  void addListener(Consumer<String> listener) {
    listeners.add(listener);
  }

  void removeListener(Consumer<String> listener) {
    listeners.remove(listener);
  }

  private void changed(String resource) {
    for (Consumer<String> l : listeners) {
      l.accept(resource);
    }
  }

  public synchronized Optional<ResourceHandlerFactory> get(String resource) {
    Deque<ResourceHandlerFactory> d = byResource.get(resource);
    return d == null ? Optional.empty() : Optional.of(d.peekLast());
  }

  /** One factory per resource, sorted by resource name. */
  public List<ResourceHandlerFactory> all() {
    return new ArrayList<>(active().values());
  }

  /**
   * The active factory of each resource at one instant, by resource name (sorted): for a caller that must ask
   * both which resources are active and what they answer without a change coming in between.
   */
  public synchronized SortedMap<String, ResourceHandlerFactory> active() {
    SortedMap<String, ResourceHandlerFactory> out = new TreeMap<>();
    for (Map.Entry<String, Deque<ResourceHandlerFactory>> e : byResource.entrySet()) {
      out.put(e.getKey(), e.getValue().peekLast());
    }
    return out;
  }
}

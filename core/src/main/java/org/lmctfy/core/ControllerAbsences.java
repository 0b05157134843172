package org.lmctfy.core;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.lmctfy.api.health.ApiHealth.SwapWindows;

/**
 * The swap windows of every resource (ARCHITECTURE.md § Health): a window opens when the last active controller
 * of a resource that had one leaves, and closes when one is active again. Told of every change by
 * {@link FactoryRegistry}; a resource never active while the core ran has no windows (its absence is no swap).
 */
final class ControllerAbsences {
  private static final class Resource {
    long opened;
    long absentNanos; // of the windows closed
    long openSince = -1; // nanoTime, or -1 when present
  }

  private final Map<String, Resource> resources = new HashMap<>();
  private final LongSupplier nanoTime;

  ControllerAbsences(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /**
   * The resource's controller may have changed. {@code activeNow} is asked under this object's lock, so that of
   * two changes told concurrently the one told last sees the registry after both.
   */
  synchronized void changed(String resource, BooleanSupplier activeNow) {
    boolean active = activeNow.getAsBoolean();
    Resource r = resources.get(resource);
    if (active) {
      if (r == null) {
        resources.put(resource, new Resource());
      } else if (r.openSince >= 0) {
        r.absentNanos += nanoTime.getAsLong() - r.openSince;
        r.openSince = -1;
      }
    } else if (r != null && r.openSince < 0) {
      r.opened++;
      r.openSince = nanoTime.getAsLong();
    }
  }

  /** A copy, by resource (sorted), the open windows' lengths up to now. */
  synchronized Map<String, SwapWindows> snapshot() {
    long now = nanoTime.getAsLong();
    Map<String, SwapWindows> out = new TreeMap<>();
    resources.forEach((name, r) -> {
      long open = r.openSince < 0 ? 0 : now - r.openSince;
      out.put(name, new SwapWindows(r.opened, r.openSince >= 0, open / 1e9, (r.absentNanos + open) / 1e9));
    });
    return out;
  }
}

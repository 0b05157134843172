package org.lmctfy.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import java.util.Map;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.health.ApiHealth;

/**
 * The core's own health, as its {@link ApiHealth} service counts it for every client (ARCHITECTURE.md § Health):
 * operations by status code, notification registrations, controllers' swap windows. Nothing when the core's
 * service is absent ({@code lmctfy_core_available} says so).
 */
final class CoreHealth {
  private CoreHealth() {}

  static void addTo(SeriesSet out, ApiHealth health) {
    if (health == null) {
      return;
    }
    for (Map.Entry<String, Map<StatusCode, Long>> op : health.operations().entrySet()) {
      op.getValue().forEach((code, n) -> out.counter("lmctfy_api_operations",
          "ContainerApi calls the core answered, for every client (daemon, command line, shell, this bundle), by"
              + " operation and status code.",
          Labels.of("operation", op.getKey(), "code", code.name()), n));
    }
    out.gauge("lmctfy_notification_registrations", "Notification registrations active now.", Labels.EMPTY,
        health.notificationRegistrations());
    health.swapWindows().forEach((resource, w) -> {
      Labels labels = Labels.of("resource", resource);
      out.counter("lmctfy_controller_swap_windows",
          "Times the resource's controller went absent (a bundle stopped, updated or removed) while the core ran.",
          labels, w.opened());
      out.counter("lmctfy_controller_absent_seconds",
          "Seconds the resource's controller was absent in its swap windows, the open one included.",
          labels, w.absentSeconds());
      out.gauge("lmctfy_controller_swap_window_open_seconds",
          "How long the resource's open swap window has lasted (its controller absent), 0 when none is open: alert"
              + " on a stuck swap with it.",
          labels, w.openSeconds());
    });
  }
}

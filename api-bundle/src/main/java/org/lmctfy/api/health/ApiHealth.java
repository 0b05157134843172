package org.lmctfy.api.health;

import java.util.Map;
import org.lmctfy.api.StatusCode;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What the core counts about itself while it runs, registered as a service beside {@code ContainerApi} by the
 * same component. Every figure covers every client of that service (the daemon's socket clients and its command
 * line, the embedded command line, the shell commands, the metrics bundle itself) since the core's component
 * was activated; counters start from zero when it is activated again (a restart, as Prometheus expects).
 */
@ProviderType
public interface ApiHealth {
  /**
   * The calls of {@code ContainerApi} and {@code Container} answered so far, by operation and status code. An
   * operation is the method's name in snake case ({@code create}, {@code list_subcontainers},
   * {@code register_notification}, ...); a call that threw anything but a {@code ContainerException} counts as
   * {@code INTERNAL}. A {@code Container.exec} that succeeds never returns, so only its failures are counted.
   *
   * @return operation → status code → calls (a copy)
   */
  Map<String, Map<StatusCode, Long>> operations();

  /** Notification registrations active now (registered, not yet unregistered, delivered or destroyed). */
  int notificationRegistrations();

  /**
   * Per resource whose controller has been active at least once while the core ran: its swap windows, each the
   * time from its last controller leaving (a bundle stopped, updated, uninstalled) to one being active again.
   *
   * @return resource → its windows (a copy)
   */
  Map<String, SwapWindows> swapWindows();

  /**
   * One resource's swap windows.
   *
   * @param opened how many windows opened (times the resource's controller went absent)
   * @param open whether a window is open now (no controller of the resource is active)
   * @param openSeconds how long the window open now has lasted, 0 when none is: what an alert on a stuck swap
   *     watches
   * @param absentSeconds the seconds spent absent, in every window including the one open now
   */
  record SwapWindows(long opened, boolean open, double openSeconds, double absentSeconds) {}
}

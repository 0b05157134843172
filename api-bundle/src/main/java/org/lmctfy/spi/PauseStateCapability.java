package org.lmctfy.spi;

import java.util.Optional;
import org.lmctfy.api.ContainerException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A handler that can tell whether a pause holds the container's processes, so that the core can refuse what a
 * pause would make hang (a command that would stop before its first instruction, a kill that cannot end its
 * processes) without knowing which resource pauses or how. The freezer implements it beside
 * {@link FreezerCapability}.
 *
 * @since 1.1
 */
@ConsumerType
public interface PauseStateCapability {
  /**
   * Whether the container's processes are stopped now, because it or an ancestor is paused (or a pause is
   * under way): empty when they run, else what the kernel says, for the error, e.g.
   * {@code "FROZEN in /sys/fs/cgroup/freezer/a"}.
   */
  Optional<String> pausedState() throws ContainerException;

  /**
   * Whether this container is paused itself (not only through an ancestor) in a way that keeps killed
   * processes of its subtree from dying until it is resumed: cgroup v1's freezer (a frozen task ignores
   * SIGKILL); not cgroup2's, whose frozen tasks die of SIGKILL.
   */
  boolean holdsKilledProcesses() throws ContainerException;
}

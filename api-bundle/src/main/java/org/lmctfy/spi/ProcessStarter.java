package org.lmctfy.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.lmctfy.api.ContainerException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Given by the core to {@link ProcessCapability#start}: starts a process inside the new container's cgroups,
 * in new namespaces, before its first instruction.
 *
 * @since 1.1
 */
@ProviderType
public interface ProcessStarter {
  /**
   * Starts {@code argv} in the container's cgroups with the namespaces {@code unshare} new (ipc, uts, mnt,
   * pid, net, cgroup); with pid it is PID 1 of the new pid namespace and, with {@code mountProc}, sees a
   * fresh /proc. Detached from the caller (new session, stdio on /dev/null).
   *
   * @return its pid as the caller sees it, once it runs
   */
  long start(List<String> argv, Set<String> unshare, Optional<String> hostname, boolean mountProc)
      throws ContainerException;

  /** A native program shipped beside the exec helper (e.g. {@code lmctfy-nsinit}). */
  Path nativeProgram(String name) throws ContainerException;
}

package org.lmctfy.spi;

import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import org.lmctfy.api.ContainerException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A handler whose resource shapes how processes start and what they see (ARCHITECTURE.md § Resources that shape processes), such as the virtual
 * host's namespaces: it may start and hold something at create (the init that keeps the namespaces alive),
 * tells what every process placed into the container must join before its first instruction, and answers
 * the container's init. The core passes its answers along without knowing which resource gave them; a
 * container (or an ancestor) that isolates such a resource while its controller is absent refuses to take
 * processes (UNAVAILABLE) rather than start them outside.
 *
 * @since 1.1
 */
@ConsumerType
public interface ProcessCapability {
  /**
   * Once every resource of a new container exists (its cgroups made): starts what the container holds, e.g.
   * its init, through {@code starter}, which puts it into the container's cgroups. A failure undoes the create.
   */
  void start(ProcessStarter starter) throws ContainerException;

  /**
   * What a process that {@code run} or {@code exec} starts in this container joins before its first
   * instruction: namespace type ({@code user, cgroup, ipc, uts, net, pid, time, mnt}) to the namespace file
   * (e.g. {@code /proc/<init>/ns/pid}); the exec helper joins them in the kernel's order. Refuse by throwing.
   */
  Map<String, Path> namespaces() throws ContainerException;

  /**
   * Whether an existing process may be entered (cgroups only: a running process cannot be made to join
   * namespaces): refuse, e.g. FAILED_PRECONDITION for a thread of another virtual host, by throwing.
   */
  void checkEnter(long tid) throws ContainerException;

  /** The container's init as the calling process sees it (host pid), or empty when it holds none. */
  OptionalLong initPid() throws ContainerException;
}

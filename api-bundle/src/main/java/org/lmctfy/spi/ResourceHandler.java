package org.lmctfy.spi;

import java.nio.file.Path;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One resource of one container. Short-lived and stateless. Optional capabilities are separate interfaces
 * a handler may also implement: {@link StatsCapability}, {@link FreezerCapability}, {@link PauseStateCapability},
 * {@link EventSourceCapability}, {@link ProcessCapability}. The core finds a resource by what it can do, never
 * by its name.
 */
@ConsumerType
public interface ResourceHandler {
  String resource();

  /** Applies the resource's part of {@code spec} (already validated). */
  void update(ContainerSpec spec, UpdatePolicy policy) throws ContainerException;

  /** Adds the resource's settings, as the kernel holds them, to {@code spec}. */
  void fillSpec(ContainerSpec.Builder spec) throws ContainerException;

  /**
   * The cgroup directories of this resource for the container, in creation order: a process joins the
   * container by being written into each one's {@code cgroup.procs}.
   */
  List<Path> cgroupDirs();

  /** Removes the resource's cgroups (the container's processes are already gone). */
  void destroy() throws ContainerException;
}

package org.lmctfy.api;

import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.InitSpec;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The factory of containers (lmctfy's ContainerApi). Thread-safe. Containers exist on the whole machine: a
 * {@link Container} is a cheap handle, and a container may be destroyed under it by another process, after
 * which every operation on the handle fails with NOT_FOUND.
 *
 * <p>Names may be absolute ({@code /a/b}) or relative to the container of the calling thread
 * ({@code b}, {@code ./b}, {@code ../c}); see {@link ContainerName}.
 */
@ProviderType
public interface ContainerApi {
  /**
   * Prepares the machine: mounts the hierarchies the spec asks for, creates the container root in every
   * hierarchy and lets each resource prepare itself. Idempotent.
   */
  void initMachine(InitSpec spec) throws ContainerException;

  /** A handle to an existing container; NOT_FOUND if it does not exist. */
  Container get(String name) throws ContainerException;

  /**
   * Creates a container. Only the resources the spec mentions are isolated; for every other resource the
   * container shares its nearest ancestor's. On any failure nothing of the container remains.
   *
   * @throws ContainerException ALREADY_EXISTS, NOT_FOUND (parent missing), INVALID_ARGUMENT (bad name or
   *     spec), UNAVAILABLE (a resource the spec mentions has no active controller)
   */
  Container create(String name, ContainerSpec spec) throws ContainerException;

  /**
   * Destroys a container and, recursively, its subcontainers (deepest first), killing their processes and
   * removing every cgroup and record. Destroying {@code /} is INVALID_ARGUMENT.
   */
  void destroy(Container container) throws ContainerException;

  /** The absolute name of the container holding thread {@code tid} (0: the calling thread). */
  String detect(long tid) throws ContainerException;
}

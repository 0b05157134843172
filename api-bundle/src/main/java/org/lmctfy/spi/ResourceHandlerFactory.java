package org.lmctfy.spi;

import com.google.protobuf.Descriptors;
import java.util.List;
import java.util.Optional;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.spi.cgroup.CgroupTree;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One resource (cpu, memory, ... or a vendor's), registered as an OSGi service with the property
 * {@value #RESOURCE_PROPERTY}. Stateless: everything it knows about a container it reads from the kernel,
 * so it may be stopped, updated or replaced at any time without losing a container.
 */
@ConsumerType
public interface ResourceHandlerFactory {
  /** Service property naming the resource. */
  String RESOURCE_PROPERTY = "lmctfy.resource";

  /** The resource name: a built-in field of ContainerSpec ({@code cpu}) or a vendor's extensions key. */
  String resource();

  /** Whether {@code spec} configures this resource (so that a container created with it isolates it). */
  boolean isMentioned(ContainerSpec spec);

  /**
   * Checks {@code spec} before anything is written: INVALID_ARGUMENT for bad values, UNIMPLEMENTED or
   * FAILED_PRECONDITION for fields this kernel cannot honour, naming the field.
   */
  void validate(ContainerContext container, ContainerSpec spec, SpecOperation operation)
      throws ContainerException;

  /**
   * Creates the resource's cgroups for a new container and applies {@code spec}. On failure it removes
   * what it created before throwing.
   */
  ResourceHandler create(ContainerContext container, ContainerSpec spec) throws ContainerException;

  /**
   * A handler for an existing container that isolates this resource, found from the kernel; empty when
   * the container does not isolate it.
   */
  Optional<ResourceHandler> attach(ContainerContext container) throws ContainerException;

  /**
   * The message types a vendor resource puts into {@code ContainerSpec.extensions} and
   * {@code ContainerStats.extensions}, so that specs and stats in text format can name them.
   */
  default List<Descriptors.Descriptor> extensionTypes() {
    return List.of();
  }

  /** Prepares the machine (idempotent), e.g. the cpu {@code batch} cgroup. */
  default void initMachine(CgroupTree tree, InitSpec spec) throws ContainerException {}
}

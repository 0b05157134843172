package org.lmctfy.spi;

import java.util.Optional;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.spi.cgroup.CgroupTree;
import org.osgi.annotation.versioning.ProviderType;

/** What the core tells a resource about the container it works on. */
@ProviderType
public interface ContainerContext {
  ContainerName name();

  /** The machine's hierarchies and the container root. */
  CgroupTree tree();

  /**
   * The spec as the user last requested it (recorded by the core), for what the kernel cannot hold, such
   * as a latency class; empty for the root or a container being created.
   */
  Optional<ContainerSpec> requestedSpec() throws ContainerException;
}

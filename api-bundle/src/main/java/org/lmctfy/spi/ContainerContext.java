package org.lmctfy.spi;

import org.lmctfy.api.ContainerName;
import org.lmctfy.spi.cgroup.CgroupTree;
import org.osgi.annotation.versioning.ProviderType;

/** What the core tells a resource about the container it works on. */
@ProviderType
public interface ContainerContext {
  ContainerName name();

  /** The machine's hierarchies and the container root. */
  CgroupTree tree();
}

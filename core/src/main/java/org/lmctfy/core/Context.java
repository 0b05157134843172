package org.lmctfy.core;

import java.util.Optional;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.proto.ContainerRecord;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.cgroup.CgroupTree;

/** The core's {@link ContainerContext}; the record is read only when a resource asks for it. */
record Context(ContainerName name, CgroupTree tree, StateStore state) implements ContainerContext {
  @Override
  public Optional<ContainerSpec> requestedSpec() throws ContainerException {
    return name.isRoot() ? Optional.empty() : state.read(name).map(ContainerRecord::getSpec);
  }
}

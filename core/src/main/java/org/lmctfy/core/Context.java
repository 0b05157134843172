package org.lmctfy.core;

import org.lmctfy.api.ContainerName;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.cgroup.CgroupTree;

/** The core's {@link ContainerContext}. */
record Context(ContainerName name, CgroupTree tree) implements ContainerContext {}

package org.lmctfy.spi;

import org.lmctfy.api.ContainerException;
import org.osgi.annotation.versioning.ConsumerType;

/** A handler that can freeze and thaw the container's processes (and its subtree's). */
@ConsumerType
public interface FreezerCapability {
  void freeze() throws ContainerException;

  void thaw() throws ContainerException;
}

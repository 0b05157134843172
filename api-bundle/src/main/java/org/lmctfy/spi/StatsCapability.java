package org.lmctfy.spi;

import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.proto.ContainerStats;
import org.osgi.annotation.versioning.ConsumerType;

/** A handler that reports statistics. */
@ConsumerType
public interface StatsCapability {
  void fillStats(StatsType type, ContainerStats.Builder stats) throws ContainerException;
}

package org.lmctfy.spi;

import java.util.Optional;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.EventSpec;
import org.osgi.annotation.versioning.ConsumerType;

/** A handler that can watch for events of its resource (memory: OOM kills, usage thresholds). */
@ConsumerType
public interface EventSourceCapability {
  /**
   * A probe for the event {@code spec} asks for, or empty when this resource does not serve it;
   * INVALID_ARGUMENT for a malformed event spec.
   */
  Optional<EventProbe> probe(EventSpec spec) throws ContainerException;
}

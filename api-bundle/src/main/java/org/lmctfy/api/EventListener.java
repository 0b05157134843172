package org.lmctfy.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives the events of one registration. Called off the event loop thread; may be called many times.
 * {@code status} is {@link StatusCode#OK} when the event happened; any other code ends the registration
 * (for example NOT_FOUND when the container was destroyed).
 */
@ConsumerType
@FunctionalInterface
public interface EventListener {
  void onEvent(Container container, StatusCode status, String detail);
}

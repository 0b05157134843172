package org.lmctfy.api;

/** Identifies one notification registration; unique per {@link ContainerApi} instance. */
public record NotificationHandle(long id) {}

package org.lmctfy.core;

/**
 * Deterministic kill points for the crash-consistency tests: a JVM started with
 * {@code -Dlmctfy.test.crash-at=<point>} halts (no finally block, no shutdown hook runs, like SIGKILL) the first
 * time it reaches that point. Unset in production, where {@link #at} is one comparison of a constant.
 */
final class CrashPoint {
  static final String PROPERTY = "lmctfy.test.crash-at";
  private static final String ARMED = System.getProperty(PROPERTY, "");

  /** Every point, in the order an operation reaches them (tests iterate over these). */
  static final String[] ALL = {
      "create.intent-written", "create.tracking-made", "create.resource-made", "create.record-written",
      "destroy.intent-written", "destroy.processes-killed", "destroy.resource-removed", "destroy.tracking-removed",
      "destroy.record-deleted",
      "update.intent-written", "update.resource-applied", "update.record-written"};

  private CrashPoint() {}

  static void at(String point) {
    if (!ARMED.isEmpty() && ARMED.equals(point)) {
      Runtime.getRuntime().halt(137);
    }
  }
}

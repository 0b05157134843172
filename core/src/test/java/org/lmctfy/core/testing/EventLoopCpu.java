package org.lmctfy.core.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/** CPU time of the core's notification event loop(s) in this JVM (threads named {@code lmctfy-events}). */
public final class EventLoopCpu {
  private EventLoopCpu() {}

  /** Nanoseconds of CPU the event-loop threads alive now have used. */
  public static long nanos() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("lmctfy-events")) {
        sum += Math.max(0, mx.getThreadCpuTime(t.getId()));
      }
    }
    return sum;
  }
}

package org.lmctfy.benchmarks;

import java.io.File;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Waiting for a process that is not this JVM's child (the exec helper server's): gone from /proc. */
final class Procs {
  private Procs() {}

  /**
   * Polls /proc/{@code pid} every 20 µs, at most 10 s, as the C floors' waitpid would see the end.
   * java.io.File: Java 17's Files.exists throws and catches an exception for the missing file, which the
   * benchmark would measure.
   */
  static void awaitGone(long pid) {
    File proc = new File("/proc/" + pid);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (proc.exists() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(20_000);
    }
  }
}

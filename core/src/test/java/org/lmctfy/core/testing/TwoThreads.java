package org.lmctfy.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Prints the tid of a second thread, then sleeps (bounded): a process to enter thread by thread. */
public final class TwoThreads {
  private TwoThreads() {}

  public static void main(String[] args) throws Exception {
    Thread t = new Thread(() -> {
      try {
        String tid = Path.of("/proc/thread-self").toRealPath().getFileName().toString();
        System.out.println(tid);
        System.out.flush();
        Thread.sleep(60_000);
      } catch (Exception e) {
        // ends with the test
      }
    });
    t.start();
    t.join(60_000);
    Files.exists(Path.of("/"));
  }
}

package org.lmctfy.controller.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's online CPUs (/sys/devices/system/cpu/online, a range list such as "0-3,6"). */
final class OnlineCpus {
  private OnlineCpus() {}

  static long count() {
    try {
      long n = 0;
      for (String part : Files.readString(Path.of("/sys/devices/system/cpu/online")).trim().split(",")) {
        int dash = part.indexOf('-');
        n += dash < 0 ? 1 : Long.parseLong(part.substring(dash + 1)) - Long.parseLong(part.substring(0, dash)) + 1;
      }
      return n;
    } catch (IOException | NumberFormatException e) {
      return Runtime.getRuntime().availableProcessors();
    }
  }
}

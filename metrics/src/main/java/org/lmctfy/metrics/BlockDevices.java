package org.lmctfy.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Block device names for cAdvisor's {@code device} label ({@code /dev/sda}) from the kernel's
 * {@code /sys/dev/block/MAJOR:MINOR/uevent} ({@code DEVNAME=}); {@code MAJOR:MINOR} when sysfs does not say.
 * Remembered: a device number names the same device while the machine runs.
 */
final class BlockDevices {
  private final Path sysDevBlock;
  private final Map<String, String> names = new ConcurrentHashMap<>();

  BlockDevices(Path sysDevBlock) {
    this.sysDevBlock = sysDevBlock;
  }

  static BlockDevices system() {
    return new BlockDevices(Path.of("/sys/dev/block"));
  }

  String name(long major, long minor) {
    return names.computeIfAbsent(major + ":" + minor, this::lookUp);
  }

  private String lookUp(String number) {
    try {
      for (String line : Files.readAllLines(sysDevBlock.resolve(number).resolve("uevent"))) {
        if (line.startsWith("DEVNAME=")) {
          return "/dev/" + line.substring("DEVNAME=".length());
        }
      }
    } catch (IOException e) {
      // a device that has gone, or no sysfs: the number stands for it
    }
    return number;
  }
}

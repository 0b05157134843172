package org.lmctfy.controller.blockio;

import java.nio.file.Files;
import java.nio.file.Path;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.BlockIoSpec;

/** Block devices as the kernel names them in /sys/dev/block/MAJOR:MINOR. */
final class BlockDevices {
  static final Path SYS_DEV_BLOCK = Path.of("/sys/dev/block");

  private BlockDevices() {}

  static String id(BlockIoSpec.Device d) {
    return d.getMajor() + ":" + d.getMinor();
  }

  /** A whole disk that exists; INVALID_ARGUMENT otherwise (lmctfy: whole devices only). */
  static void check(String field, BlockIoSpec.Device d) throws ContainerException {
    if (!d.hasMajor() || !d.hasMinor() || d.getMajor() < 0 || d.getMinor() < 0) {
      throw ContainerException.invalidArgument(field + ": a device needs major and minor numbers >= 0");
    }
    Path p = SYS_DEV_BLOCK.resolve(id(d));
    if (!Files.exists(p)) {
      throw ContainerException.invalidArgument(field + ": there is no block device " + id(d));
    }
    if (Files.exists(p.resolve("partition"))) {
      throw ContainerException.invalidArgument(field + ": block device " + id(d)
          + " is a partition; limits apply to whole devices");
    }
  }

  static BlockIoSpec.Device parse(String id) {
    int colon = id.indexOf(':');
    return BlockIoSpec.Device.newBuilder().setMajor(Long.parseLong(id.substring(0, colon)))
        .setMinor(Long.parseLong(id.substring(colon + 1))).build();
  }
}

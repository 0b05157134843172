package org.lmctfy.controller.namespace;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The host's network links, as sysfs shows them: one entry per link of the network namespace sysfs was
 * mounted in (the host's) under /sys/class/net, and a {@code bridge} directory in a bridge's entry
 * (Documentation/ABI/testing/sysfs-class-net). What the validation of a spec checks before anything is
 * created; the kernel checks again when the init sets the network up.
 */
final class HostLinks {
  private final Path classNet;

  HostLinks(Path classNet) {
    this.classNet = classNet;
  }

  static HostLinks system() {
    return new HostLinks(Path.of("/sys/class/net"));
  }

  /** Whether the host has a link {@code name} (a valid link name: no '/'). */
  boolean exists(String name) {
    return Files.exists(classNet.resolve(name), LinkOption.NOFOLLOW_LINKS);
  }

  /** Whether the host's link {@code name} is a bridge. */
  boolean isBridge(String name) {
    return Files.isDirectory(classNet.resolve(name).resolve("bridge"));
  }

  /** Where the link's entry is, for messages. */
  Path entry(String name) {
    return classNet.resolve(name);
  }
}

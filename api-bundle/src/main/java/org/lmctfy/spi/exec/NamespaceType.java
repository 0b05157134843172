package org.lmctfy.spi.exec;

import java.nio.file.Path;
import java.util.Locale;

/**
 * A kind of Linux namespace, in the order {@code lmctfy-exec} joins them whatever order they are given in:
 * user first (it grants the capabilities the other joins need), mnt last (it changes how paths resolve).
 */
public enum NamespaceType {
  USER, CGROUP, IPC, UTS, NET, PID, TIME, MNT;

  /** The kernel's name: {@code /proc/<pid>/ns/<name>}, and lmctfy-exec's {@code --ns}/{@code --unshare}. */
  public String kernelName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The namespace file of a process: {@code /proc/<pid>/ns/<name>}. */
  public Path of(long pid) {
    return Path.of("/proc", Long.toString(pid), "ns", kernelName());
  }

  /**
   * Whether lmctfy-exec can create one ({@code --unshare}): not user (its id maps need a second process) nor
   * time (its clock offsets must be written before its first process).
   */
  public boolean canUnshare() {
    return this != USER && this != TIME;
  }
}

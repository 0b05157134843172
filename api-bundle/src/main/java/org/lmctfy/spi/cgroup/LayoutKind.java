package org.lmctfy.spi.cgroup;

/** How cgroups are mounted on this machine. */
public enum LayoutKind {
  /** Only cgroup v1 hierarchies. */
  V1,
  /** v1 controller hierarchies plus a cgroup2 mount (systemd's "hybrid", e.g. /sys/fs/cgroup/unified). */
  HYBRID,
  /** Only cgroup2: every controller lives in the unified hierarchy. */
  V2,
  /** Nothing mounted. */
  NONE
}

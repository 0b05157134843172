package org.lmctfy.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.cgroup.ControlFiles;

/** children_limit and owner: settings of the membership cgroup itself, fixed at creation. */
final class MembershipSettings {
  private MembershipSettings() {}

  static void apply(Tracking tracking, ContainerName n, ContainerSpec spec, List<ResourceHandler> created)
      throws ContainerException {
    Path dir = tracking.dir(n);
    if (spec.hasChildrenLimit()) {
      // Documentation/admin-guide/cgroup-v2.rst, "cgroup.max.descendants".
      if (!tracking.unified() || !ControlFiles.exists(dir, "cgroup.max.descendants")) {
        throw ContainerException.unimplemented("children_limit needs cgroup2's cgroup.max.descendants,"
            + " which the tracking hierarchy " + tracking.hierarchy() + " lacks");
      }
      // On cgroup2 the container's own process leaf is a descendant too: not counted against the limit.
      // (A subcontainer's leaf, made when it first holds a process, is one of its descendants: counted.)
      ControlFiles.write(dir, "cgroup.max.descendants", spec.getChildrenLimit() + 1);
    }
    if (spec.hasOwner() || spec.hasOwnerGroup()) {
      int uid = spec.hasOwner() ? (int) spec.getOwner() : -1;
      int gid = spec.hasOwnerGroup() ? (int) spec.getOwnerGroup() : -1;
      List<Path> dirs = new ArrayList<>();
      dirs.add(dir);
      if (tracking.unified()) {
        dirs.add(tracking.placement(n)); // the process leaf, where the owner's processes go
      }
      for (ResourceHandler h : created) {
        dirs.addAll(h.cgroupDirs());
      }
      Delegation.delegate(dirs, uid, gid);
    }
  }
}

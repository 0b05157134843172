package org.lmctfy.controller.cpuset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.SpecOperation;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.CgroupTree;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.ControllerFactory;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.osgi.service.component.annotations.Component;

/**
 * lmctfy's CPU affinity ({@code cpu.mask}) through the cpuset controller, v1 and cgroup2. A v1 cpuset
 * takes tasks only once cpus and mems are set, so new cpusets start with their parent's.
 */
@Component(service = ResourceHandlerFactory.class, property = ResourceHandlerFactory.RESOURCE_PROPERTY + "=cpuset")
public final class CpusetFactory extends ControllerFactory {
  static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");
  // Documentation/admin-guide/cgroup-v1/cgroups.rst, "cgroup.clone_children"
  static final String CLONE_CHILDREN = "cgroup.clone_children";

  @Override
  public String resource() {
    return "cpuset";
  }

  @Override
  public boolean isMentioned(ContainerSpec spec) {
    return spec.getCpu().hasMask();
  }

  @Override
  public List<Hierarchy> hierarchies(CgroupLayout layout) {
    return layout.forController("cpuset").map(List::of).orElse(List.of());
  }

  @Override
  protected String v2Controller() {
    return "cpuset";
  }

  @Override
  protected ResourceHandler handler(ContainerContext container, Hierarchy main, List<Path> dirs) {
    return new CpusetHandler(container, main, dirs);
  }

  /**
   * New cpusets get their parent's cpus and mems from {@link org.lmctfy.spi.cgroup.CgroupDirs} (the
   * ControllerFactory's mkdir). On a container root of its own (not a mount point: nothing above the root is
   * written), {@code cgroup.clone_children} lets the kernel copy them at mkdir, saving those writes.
   */
  @Override
  public void initMachine(CgroupTree tree, InitSpec spec) throws ContainerException {
    super.initMachine(tree, spec);
    for (Hierarchy h : hierarchies(tree.layout())) {
      Path root = tree.rootDir(h);
      if (!h.unified() && !root.equals(h.mountPoint()) && ControlFiles.exists(root, CLONE_CHILDREN)) {
        ControlFiles.write(root, CLONE_CHILDREN, "1");
      }
    }
  }

  @Override
  public void validate(ContainerContext container, ContainerSpec spec, SpecOperation operation)
      throws ContainerException {
    require(container.tree());
    if (!spec.getCpu().hasMask()) {
      return;
    }
    BitSet wanted = CpuList.fromMask(spec.getCpu().getMask());
    if (wanted.isEmpty()) {
      throw ContainerException.invalidArgument("cpu.mask selects no CPU");
    }
    BitSet online;
    try {
      online = CpuList.parse(Files.readString(ONLINE));
    } catch (IOException e) {
      throw ContainerException.failedPrecondition("cannot read " + ONLINE + ": " + e.getMessage());
    }
    BitSet offline = (BitSet) wanted.clone();
    offline.andNot(online);
    if (!offline.isEmpty()) {
      throw ContainerException.invalidArgument("cpu.mask selects CPUs " + CpuList.format(offline)
          + " that are not online (online: " + CpuList.format(online) + ")");
    }
  }
}

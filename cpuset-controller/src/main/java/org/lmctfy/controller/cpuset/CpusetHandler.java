package org.lmctfy.controller.cpuset;

import java.nio.file.Path;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.ControllerHandler;
import org.lmctfy.spi.cgroup.Hierarchy;

/** cpuset.cpus / cpuset.mems (cgroup-v1/cpusets.rst; cgroup-v2.rst "Cpuset"). */
final class CpusetHandler extends ControllerHandler {
  static final String CPUS = "cpuset.cpus";
  static final String MEMS = "cpuset.mems";
  static final String EFFECTIVE_CPUS = "cpuset.cpus.effective";

  CpusetHandler(ContainerContext container, Hierarchy hierarchy, List<Path> dirs) {
    super(container, hierarchy, dirs);
  }

  @Override
  public String resource() {
    return "cpuset";
  }

  @Override
  public void update(ContainerSpec spec, UpdatePolicy policy) throws ContainerException {
    if (spec.getCpu().hasMask()) {
      ControlFiles.write(dir, CPUS, CpuList.format(CpuList.fromMask(spec.getCpu().getMask())));
    } else if (policy == UpdatePolicy.REPLACE) {
      // Back to the parent's CPUs (cgroup2: empty means inherit).
      ControlFiles.write(dir, CPUS, v2 ? "\n" : ControlFiles.readLine(dir.getParent(), CPUS));
    }
  }

  @Override
  public void fillSpec(ContainerSpec.Builder spec) throws ContainerException {
    String cpus = ControlFiles.readLine(dir, CPUS);
    if (cpus.isEmpty() && v2) {
      cpus = ControlFiles.readLine(dir, EFFECTIVE_CPUS);
    }
    spec.getCpuBuilder().setMask(CpuList.toMask(CpuList.parse(cpus)));
  }
}

package org.lmctfy.launcher.cli;

import java.nio.file.Path;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.controller.blockio.BlockIoFactory;
import org.lmctfy.controller.cpu.CpuFactory;
import org.lmctfy.controller.cpuset.CpusetFactory;
import org.lmctfy.controller.freezer.FreezerFactory;
import org.lmctfy.controller.memory.MemoryFactory;
import org.lmctfy.core.ContainerApiImpl;
import org.lmctfy.core.FactoryRegistry;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.cgroup.CgroupLayout;

/** The API composed in-process with the built-in resources (the CLI's embedded mode). */
final class Embedded {
  private Embedded() {}

  /** The built-in resources. */
  static List<ResourceHandlerFactory> factories() {
    return List.of(new CpuFactory(), new MemoryFactory(), new CpusetFactory(), new BlockIoFactory(),
        new FreezerFactory());
  }

  static ContainerApiImpl open(String cgroupRoot, Path stateDir) throws ContainerException {
    FactoryRegistry factories = new FactoryRegistry();
    for (ResourceHandlerFactory f : factories()) {
      factories.add(f);
    }
    return new ContainerApiImpl(CgroupLayout.detect(), cgroupRoot, stateDir, factories);
  }
}

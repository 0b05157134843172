package org.lmctfy.core;

import java.nio.file.Path;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.core.testing.KernelFactories;
import org.lmctfy.core.testing.Specs;
import org.lmctfy.core.testing.TestCgroupFactory;
import org.lmctfy.spi.cgroup.CgroupLayout;

/**
 * A process of ours that {@link CrashConsistencyKernelTest} kills at a chosen instruction: it runs one
 * operation on the test's root and state with {@code -Dlmctfy.test.crash-at=<point>}, which halts the JVM
 * there (exit 137). Exit 0 means the point was never reached.
 *
 * <p>Arguments: cgroup root, state dir, operation (create|destroy|update), container, spec (text format).
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    CgroupLayout layout = CgroupLayout.detect();
    FactoryRegistry factories = new FactoryRegistry();
    for (TestCgroupFactory f : KernelFactories.standard(layout)) {
      factories.add(f);
    }
    try (ContainerApiImpl api = new ContainerApiImpl(layout, args[0], Path.of(args[1]), factories)) {
      switch (args[2]) {
        case "create" -> api.create(args[3], Specs.spec(args[4]));
        case "destroy" -> api.destroy(api.get(args[3]));
        case "update" -> api.get(args[3]).update(Specs.spec(args[4]), UpdatePolicy.DIFF);
        default -> throw new IllegalArgumentException(args[2]);
      }
    }
    System.exit(0);
  }
}

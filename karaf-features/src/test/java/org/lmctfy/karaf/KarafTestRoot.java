package org.lmctfy.karaf;

import java.nio.file.Path;
import java.util.UUID;
import org.lmctfy.api.ContainerException;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.spi.cgroup.CgroupLayout;

/**
 * The test's cgroup root and state directory, made unique per run; on the driver's exit they are removed with
 * whatever is under them (processes killed first), whatever the test in Karaf left. Driver side only.
 */
record KarafTestRoot(String cgroupRoot, String stateDir, long uid) {
  private static KarafTestRoot made;

  /** One per driver JVM (Pax Exam may ask for the configuration more than once). */
  static synchronized KarafTestRoot create() {
    if (made != null) {
      return made;
    }
    String id = UUID.randomUUID().toString().substring(0, 8);
    KarafTestRoot r = new KarafTestRoot("/lmctfy-test-" + id, "/dev/shm/lmctfy-karaf-" + id,
        "root".equals(System.getProperty("user.name")) ? 0 : -1);
    try {
      CgroupLayout layout = CgroupLayout.detect();
      Path state = Path.of(r.stateDir());
      KernelRoot.removeTree(layout, r.cgroupRoot(), state); // nothing there yet: loads its classes now
      java.util.Objects.requireNonNull(org.lmctfy.spi.cgroup.ControlFiles.class);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          KernelRoot.removeTree(layout, r.cgroupRoot(), state);
        } catch (ContainerException | LinkageError e) {
          System.err.println("karaf test: could not remove test root " + r.cgroupRoot() + ": " + e);
        }
      }, "karaf-test-cleanup"));
    } catch (ContainerException e) {
      System.err.println("karaf test: no cgroups here (" + e.getMessage() + ")");
    }
    System.out.println("karaf test: cgroup root " + r.cgroupRoot() + ", state " + r.stateDir());
    made = r;
    return r;
  }
}

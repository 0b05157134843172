package org.lmctfy.core.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.core.ContainerApiImpl;
import org.lmctfy.core.FactoryRegistry;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.Hierarchy;

/**
 * A ContainerApi on the real kernel under a unique root {@code /lmctfy-test-<random>} with its own state
 * directory. {@link #close()} destroys every container and removes the root from every hierarchy, even
 * after a failed test.
 */
public final class KernelRoot implements AutoCloseable {
  public final String root = "/lmctfy-test-" + UUID.randomUUID().toString().substring(0, 8);
  public final FactoryRegistry factories = new FactoryRegistry();
  public final CgroupLayout layout;
  public final Path stateDir;
  public final ContainerApiImpl api;

  /** Why kernel tests cannot run here, or empty when they can. */
  public static Optional<String> skipReason() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return Optional.of("kernel tests need root (running as " + System.getProperty("user.name") + ")");
    }
    try {
      if (CgroupLayout.detect().tracking().isEmpty()) {
        return Optional.of("no cgroup2 mount and no name=lmctfy hierarchy to track containers");
      }
    } catch (ContainerException e) {
      return Optional.of("cannot read mountinfo: " + e);
    }
    return Optional.empty();
  }

  public KernelRoot(ResourceHandlerFactory... resources) throws Exception {
    layout = CgroupLayout.detect();
    // Records live on tmpfs in production (/run); /dev/shm is tmpfs where /run may not be.
    Path shm = Path.of("/dev/shm");
    stateDir = Files.isDirectory(shm) && Files.isWritable(shm)
        ? Files.createTempDirectory(shm, "lmctfy-test-state") : Files.createTempDirectory("lmctfy-test-state");
    for (ResourceHandlerFactory f : resources) {
      factories.add(f);
    }
    api = new ContainerApiImpl(layout, root, stateDir, factories);
    try {
      api.initMachine(InitSpec.getDefaultInstance());
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  /** The root's directory in a hierarchy. */
  public Path rootDir(Hierarchy h) {
    return h.mountPoint().resolve(root.substring(1));
  }

  /** Every directory below the root in every hierarchy. */
  public List<Path> leftovers() throws IOException {
    List<Path> out = new ArrayList<>();
    for (Hierarchy h : layout.hierarchies()) {
      Path r = rootDir(h);
      if (Files.isDirectory(r)) {
        try (Stream<Path> s = Files.walk(r)) {
          s.filter(p -> Files.isDirectory(p) && !p.equals(r)).forEach(out::add);
        }
      }
    }
    return out;
  }

  /** Destroys every container through the API; the first error is thrown after trying all. */
  public void destroyAll() throws ContainerException {
    ContainerException first = null;
    for (Container c : api.get("/").listSubcontainers(ListPolicy.SELF)) {
      try {
        api.destroy(c);
      } catch (ContainerException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * For a test's @AfterEach: destroys every container through the API, checks that destroy left no
   * cgroup behind, then closes (which removes whatever is left in any case).
   */
  public void finish() throws Exception {
    try {
      destroyAll();
      List<Path> left = leftovers();
      if (!left.isEmpty()) {
        throw new AssertionError("destroy left cgroups behind: " + left);
      }
    } finally {
      close();
    }
  }

  /** Skips the calling test (JUnit assumption) where kernel tests cannot run, saying why. */
  public static void assumeKernel() {
    org.junit.jupiter.api.Assumptions.assumeTrue(skipReason().isEmpty(), () -> skipReason().get());
  }

  @Override
  public void close() throws Exception {
    Exception first = null;
    try {
      destroyAll();
    } catch (ContainerException e) {
      first = e;
    } finally {
      api.close();
    }
    try {
      removeTree(layout, root, stateDir);
    } catch (ContainerException e) {
      first = first == null ? e : first;
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * Removes a test root whatever state it is in (a test that bypassed the API, a failed destroy, a test that
   * died): in every hierarchy, deepest first, thaws and kills the processes inside, removes the cgroups; then
   * deletes the state directory. For tests that cannot hold a KernelRoot (Pax Exam's, whose core runs inside
   * the framework) as well.
   *
   * @throws ContainerException the first cgroup that could not be removed (after trying all)
   */
  public static void removeTree(CgroupLayout layout, String root, Path stateDir) throws ContainerException {
    ContainerException first = null;
    for (Hierarchy h : layout.hierarchies()) {
      Path r = h.mountPoint().resolve(root.substring(1));
      if (Files.isDirectory(r) && !r.equals(h.mountPoint())) {
        try {
          thawAll(r); // parents first: a v1 child of a frozen parent stays frozen whatever its own state
          killAndRemove(h, r);
        } catch (ContainerException e) {
          first = first == null ? e : first;
        }
      }
    }
    if (Files.isDirectory(stateDir)) {
      try (Stream<Path> s = Files.walk(stateDir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        first = first == null ? ContainerException.internal("cannot delete " + stateDir + ": " + e, e) : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** Thaws a cgroup and then its descendants (SIGKILL does not end a v1-frozen task). */
  private static void thawAll(Path dir) throws ContainerException {
    if (ControlFiles.exists(dir, "freezer.state")) {
      ControlFiles.write(dir, "freezer.state", "THAWED");
    }
    if (ControlFiles.exists(dir, "cgroup.freeze")) {
      ControlFiles.write(dir, "cgroup.freeze", "0");
    }
    for (Path child : ControlFiles.subdirectories(dir)) {
      thawAll(child);
    }
  }

  private static void killAndRemove(Hierarchy h, Path dir) throws ContainerException {
    for (Path child : ControlFiles.subdirectories(dir)) {
      killAndRemove(h, child);
    }
    if (ControlFiles.exists(dir, "cgroup.procs")) {
      for (long pid : ControlFiles.readLongs(dir, "cgroup.procs")) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    ControlFiles.rmdir(dir);
  }
}

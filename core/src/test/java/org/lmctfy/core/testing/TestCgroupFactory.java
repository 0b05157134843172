package org.lmctfy.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ContainerName;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.SpecOperation;
import org.lmctfy.spi.cgroup.CgroupTree;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.Hierarchy;

/**
 * A test resource: one cgroup in the hierarchy of {@code controller}, with fixed files written at creation.
 * It stands in for the real controllers in core tests and benchmarks; it can be told to fail.
 */
public final class TestCgroupFactory implements ResourceHandlerFactory {
  private final String resource;
  private final String controller;
  private final Predicate<ContainerSpec> mentioned;
  private final Map<String, String> writes = new LinkedHashMap<>();
  /** Fail create after this many successful ones (−1: never). */
  public final AtomicInteger failCreateAfter = new AtomicInteger(-1);
  public volatile boolean failValidate;
  public volatile boolean failUpdate;
  public final AtomicInteger updates = new AtomicInteger();
  /** The value fillSpec reports and update(spec) stores: the last cpu.limit given. */
  private final Map<ContainerName, Long> appliedLimit = new java.util.concurrent.ConcurrentHashMap<>();

  public TestCgroupFactory(String resource, String controller, Predicate<ContainerSpec> mentioned) {
    this.resource = resource;
    this.controller = controller;
    this.mentioned = mentioned;
  }

  /** A file written with {@code value} at creation (v1 and v2 alike, so name one that both have). */
  public TestCgroupFactory write(String file, String value) {
    writes.put(file, value);
    return this;
  }

  public static TestCgroupFactory forField(String resource, String controller) {
    Predicate<ContainerSpec> p;
    switch (resource) {
      case "cpu": p = ContainerSpec::hasCpu; break;
      case "memory": p = ContainerSpec::hasMemory; break;
      case "blockio": p = ContainerSpec::hasBlockio; break;
      case "cpuset": p = s -> s.getCpu().hasMask(); break;
      case "freezer": p = s -> true; break;
      default: p = s -> s.getExtensionsMap().containsKey(resource);
    }
    return new TestCgroupFactory(resource, controller, p);
  }

  @Override
  public String resource() {
    return resource;
  }

  @Override
  public boolean isMentioned(ContainerSpec spec) {
    return mentioned.test(spec);
  }

  @Override
  public void validate(ContainerContext container, ContainerSpec spec, SpecOperation operation)
      throws ContainerException {
    if (failValidate) {
      throw ContainerException.invalidArgument("test resource " + resource + " rejects the spec");
    }
    container.tree().require(controller);
  }

  private Path dir(ContainerContext c) throws ContainerException {
    return c.tree().dir(c.tree().require(controller), c.name());
  }

  @Override
  public void initMachine(CgroupTree tree, InitSpec spec) throws ContainerException {
    Hierarchy h = tree.require(controller);
    Path root = tree.rootDir(h);
    if (!h.unified() && controller.equals("cpuset") && !root.equals(h.mountPoint())) {
      // v1 cpuset: a cgroup takes tasks only once cpus and mems are set; inherit the parent's.
      for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
        if (ControlFiles.readLine(root, f).isEmpty()) {
          ControlFiles.write(root, f, ControlFiles.readLine(root.getParent(), f));
        }
      }
    }
  }

  @Override
  public ResourceHandler create(ContainerContext container, ContainerSpec spec) throws ContainerException {
    Hierarchy h = container.tree().require(controller);
    Path dir = dir(container);
    boolean own = !h.unified(); // on cgroup2 the core's tracking cgroup is the container's cgroup
    if (own) {
      ControlFiles.mkdir(dir);
    } else {
      enableInParent(dir.getParent());
    }
    try {
      if (failCreateAfter.get() == 0) {
        throw new ContainerException(StatusCode.UNAVAILABLE, "test resource " + resource + " fails on purpose");
      }
      failCreateAfter.updateAndGet(n -> n > 0 ? n - 1 : n);
      for (Map.Entry<String, String> w : writes.entrySet()) {
        writeValue(dir, w.getKey(), w.getValue());
      }
    } catch (ContainerException | RuntimeException e) {
      if (own) {
        ControlFiles.rmdir(dir);
      }
      throw e;
    }
    Handler handler = new Handler(container.name(), dir, own);
    if (spec.hasCpu()) {
      appliedLimit.put(container.name(), spec.getCpu().getLimit());
    }
    return handler;
  }

  private void writeValue(Path dir, String file, String value) throws ContainerException {
    // On a fake tree (unit tests) there are no kernel files to write: the kernel tests check the values.
    if (isCgroupfs(dir)) {
      ControlFiles.write(dir, file, value);
    }
  }

  private final Map<Path, Boolean> cgroupfsByMount = new java.util.concurrent.ConcurrentHashMap<>();

  /** A real kernel hierarchy (checked once per mount), not a fake tree in a temp directory. */
  private boolean isCgroupfs(Path dir) {
    Path parent = dir.getParent();
    return cgroupfsByMount.computeIfAbsent(parent, p -> {
      try {
        return Files.getFileStore(p).type().startsWith("cgroup");
      } catch (java.io.IOException e) {
        return true;
      }
    });
  }

  private void enableInParent(Path parent) throws ContainerException {
    if (ControlFiles.exists(parent, "cgroup.subtree_control")
        && !(" " + ControlFiles.readLine(parent, "cgroup.subtree_control") + " ").contains(" " + controller + " ")) {
      ControlFiles.write(parent, "cgroup.subtree_control", "+" + controller);
    }
  }

  @Override
  public Optional<ResourceHandler> attach(ContainerContext container) throws ContainerException {
    Path dir = dir(container);
    Hierarchy h = container.tree().require(controller);
    if (!ControlFiles.isDirectory(dir)) {
      return Optional.empty();
    }
    return Optional.of(new Handler(container.name(), dir, !h.unified()));
  }

  private final class Handler implements ResourceHandler, org.lmctfy.spi.StatsCapability {
    private final ContainerName name;
    private final Path dir;
    private final boolean own;

    Handler(ContainerName name, Path dir, boolean own) {
      this.name = name;
      this.dir = dir;
      this.own = own;
    }

    @Override
    public String resource() {
      return resource;
    }

    @Override
    public void update(ContainerSpec spec, UpdatePolicy policy) throws ContainerException {
      updates.incrementAndGet();
      if (spec.hasCpu()) {
        appliedLimit.put(name, spec.getCpu().getLimit());
      }
      if (failUpdate) {
        throw new ContainerException(StatusCode.UNAVAILABLE, "test resource " + resource + " update fails");
      }
    }

    @Override
    public void fillSpec(ContainerSpec.Builder spec) {
      if (resource.equals("cpu")) {
        spec.getCpuBuilder().setLimit(appliedLimit.getOrDefault(name, 0L));
      } else if (resource.equals("memory")) {
        spec.getMemoryBuilder();
      }
    }

    @Override
    public List<Path> cgroupDirs() {
      return new ArrayList<>(List.of(dir));
    }

    @Override
    public void destroy() throws ContainerException {
      if (own) {
        ControlFiles.rmdir(dir);
      }
    }

    @Override
    public void fillStats(org.lmctfy.api.StatsType type, org.lmctfy.api.proto.ContainerStats.Builder stats) {
      if (resource.equals("memory")) {
        stats.getMemoryBuilder().setUsage(1);
      }
    }
  }
}

package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.core.testing.KernelFactories;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.core.testing.TestCgroupFactory;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.Hierarchy;

/** The container tree on the real kernel (root only): real directories, real processes. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ContainerTreeKernelTest {
  private KernelRoot k;
  private List<TestCgroupFactory> resources;
  private Process sleeper;

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    resources = KernelFactories.standard(org.lmctfy.spi.cgroup.CgroupLayout.detect());
    k = new KernelRoot(resources.toArray(new TestCgroupFactory[0]));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (sleeper != null) {
      sleeper.destroyForcibly();
      sleeper.waitFor(10, TimeUnit.SECONDS);
    }
    if (k != null) {
      k.finish();
    }
  }

  private Path trackingDir(String name) {
    Hierarchy t = k.layout.tracking().get();
    return k.rootDir(t).resolve(name.substring(1));
  }

  private static String cgroupLine(long pid, Hierarchy h) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
      if (h.unified() ? line.startsWith("0::") : line.split(":")[1].equals(String.join(",", h.controllers()))) {
        return line.substring(line.lastIndexOf(':') + 1);
      }
    }
    throw new AssertionError("no line for " + h);
  }

  @Test
  void createsATreeAndDestroysItWithAProcessRunningInside() throws Exception {
    api().create("/a", spec("cpu { limit: 500 } memory { limit: 104857600 }"));
    api().create("/a/b", spec("memory { limit: 52428800 }"));
    api().create("/a/b/c", ContainerSpec.getDefaultInstance());
    api().create("/d", ContainerSpec.getDefaultInstance());
    for (String n : List.of("/a", "/a/b", "/a/b/c", "/d")) {
      assertThat(trackingDir(n)).as(n).isDirectory();
    }
    // The kernel holds what the resources wrote.
    Hierarchy mem = k.layout.forController("memory").get();
    Path memA = k.rootDir(mem).resolve("a");
    assertThat(ControlFiles.readLong(memA, mem.unified() ? "memory.max" : "memory.limit_in_bytes"))
        .isEqualTo(104857600L);
    Hierarchy cpu = k.layout.forController("cpu").get();
    if (!cpu.unified()) {
      assertThat(ControlFiles.readLong(k.rootDir(cpu).resolve("a"), "cpu.shares")).isEqualTo(512);
      assertThat(k.rootDir(cpu).resolve("a/b")).as("attach to parent: /a/b shares /a's cpu cgroup")
          .doesNotExist();
    }

    sleeper = new ProcessBuilder("sleep", "300").start();
    long pid = sleeper.pid();
    Container c = api().get("/a/b/c");
    c.enter(List.of(pid));
    Hierarchy t = k.layout.tracking().get();
    assertThat(cgroupLine(pid, t)).isEqualTo(k.root + "/a/b/c"
        + (t.unified() ? "/" + org.lmctfy.spi.cgroup.ProcessLeaf.NAME : "")); // cgroup2: its process leaf
    if (!mem.unified()) {
      // Not isolating memory, /a/b/c's process lives in the nearest ancestor's memory cgroup: /a/b.
      assertThat(cgroupLine(pid, mem)).isEqualTo(k.root + "/a/b");
    }
    assertThat(c.listProcesses(ListPolicy.SELF)).containsExactly(pid);
    assertThat(api().get("/a").listProcesses(ListPolicy.SELF)).isEmpty();
    assertThat(api().get("/a").listProcesses(ListPolicy.RECURSIVE)).containsExactly(pid);
    assertThat(api().get("/a").listThreads(ListPolicy.RECURSIVE)).contains(pid);
    assertThat(api().detect(pid)).isEqualTo("/a/b/c");
    assertThat(api().detect(ProcessHandle.current().pid())).isEqualTo("/");

    api().destroy(api().get("/a"));
    assertThat(sleeper.waitFor(10, TimeUnit.SECONDS)).as("the process was killed").isTrue();
    assertThat(k.leftovers()).allSatisfy(p -> assertThat(p.getFileName().toString()).isEqualTo("d"))
        .contains(trackingDir("/d"));
    assertThat(api().get("/").listSubcontainers(ListPolicy.RECURSIVE)).extracting(Container::name)
        .containsExactly("/d");
    assertThat(Records.names(k.stateDir)).containsExactly("d.record");
    api().destroy(api().get("/d"));
  }

  @Test
  void aCreateWhoseSecondHandlerFailsLeavesNothing() throws Exception {
    TestCgroupFactory memory = resources.stream().filter(f -> f.resource().equals("memory")).findFirst().get();
    memory.failCreateAfter.set(0);
    try {
      api().create("/broken", spec("cpu { limit: 100 } memory { limit: 104857600 }"));
      throw new AssertionError("create should have failed");
    } catch (ContainerException e) {
      assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
    }
    assertThat(k.leftovers()).isEmpty();
    assertThat(Records.names(k.stateDir)).isEmpty();
    assertThat(api().get("/").listSubcontainers(ListPolicy.RECURSIVE)).isEmpty();
  }

  @Test
  void enterRejectsMissingPidsWithoutMovingAnything() throws Exception {
    Container c = api().create("/e", ContainerSpec.getDefaultInstance());
    sleeper = new ProcessBuilder("sleep", "300").start();
    try {
      c.enter(List.of(sleeper.pid(), 999_999_999L));
      throw new AssertionError("enter should have failed");
    } catch (ContainerException e) {
      assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND);
      assertThat(e.getMessage()).contains("999999999").contains("nothing was moved");
    }
    assertThat(c.listProcesses(ListPolicy.SELF)).isEmpty();
  }

  @Test
  void ownerDelegatesTheContainersCgroups() throws Exception {
    api().create("/owned", spec("owner: 65534 owner_group: 65534 memory { limit: 104857600 }"));
    Path dir = trackingDir("/owned");
    for (String f : List.of("", "cgroup.procs")) {
      Path p = f.isEmpty() ? dir : dir.resolve(f);
      assertThat(Files.getAttribute(p, "unix:uid")).as(p.toString()).isEqualTo(65534);
      assertThat(Files.getAttribute(p, "unix:gid")).as(p.toString()).isEqualTo(65534);
    }
    if (k.layout.tracking().get().unified()) {
      // cgroup-v2.rst "Delegation Containment": the delegate may also manage its children's controllers.
      assertThat(Files.getAttribute(dir.resolve("cgroup.subtree_control"), "unix:uid")).isEqualTo(65534);
      assertThat(Files.getAttribute(dir.resolve("cgroup.threads"), "unix:uid")).isEqualTo(65534);
      // ...but not its own limits, which belong to the parent's owner.
      assertThat(Files.getAttribute(dir.resolve("cgroup.max.descendants"), "unix:uid")).isEqualTo(0);
      // Its process leaf, where the owner's processes land, is the owner's too.
      Path leaf = org.lmctfy.spi.cgroup.ProcessLeaf.of(dir);
      for (Path p : List.of(leaf, leaf.resolve("cgroup.procs"), leaf.resolve("cgroup.threads"))) {
        assertThat(Files.getAttribute(p, "unix:uid")).as(p.toString()).isEqualTo(65534);
      }
    }
    Hierarchy mem = k.layout.forController("memory").get();
    if (!mem.unified()) {
      assertThat(Files.getAttribute(k.rootDir(mem).resolve("owned/tasks"), "unix:uid")).isEqualTo(65534);
    }
  }

  @Test
  void destroyRefusesToKillTheCallingProcess() throws Exception {
    // A container without resources, so only the membership cgroup holds the test JVM meanwhile.
    Container c = api().create("/self", ContainerSpec.getDefaultInstance());
    Hierarchy t = k.layout.tracking().get();
    String home = cgroupLine(ProcessHandle.current().pid(), t); // where this JVM lives now
    Path homeDir = t.mountPoint().resolve(home.substring(1));
    try {
      ControlFiles.write(trackingDir("/self"), "cgroup.procs",
          Long.toString(ProcessHandle.current().pid()));
      assertThat(c.listProcesses(ListPolicy.SELF)).contains(ProcessHandle.current().pid());
      try {
        api().destroy(c);
        throw new AssertionError("destroy of the caller's own container should fail");
      } catch (ContainerException e) {
        assertThat(e.code()).isEqualTo(StatusCode.FAILED_PRECONDITION);
        assertThat(e.getMessage()).contains("holds the calling process");
      }
      assertThat(trackingDir("/self")).isDirectory();
    } finally {
      ControlFiles.write(homeDir, "cgroup.procs",
          Long.toString(ProcessHandle.current().pid()));
    }
    api().destroy(c);
    assertThat(trackingDir("/self")).doesNotExist();
  }

  private ContainerApiImpl api() {
    return k.api;
  }
}

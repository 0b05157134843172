package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.core.testing.FakeMachine;
import org.lmctfy.core.testing.TestCgroupFactory;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.lmctfy.spi.cgroup.LayoutKind;

/** The core's algorithms on fake cgroupfs trees, for each layout (no root needed). */
class ContainerApiFakeTreeTest {
  @TempDir Path tmp;

  private CgroupLayout layout;
  private FactoryRegistry factories;
  private ContainerApiImpl api;
  private TestCgroupFactory cpu;
  private TestCgroupFactory memory;

  private void setUp(LayoutKind kind) throws Exception {
    layout = FakeMachine.layout(kind, tmp.resolve("cgroup"));
    factories = new FactoryRegistry();
    cpu = TestCgroupFactory.forField("cpu", "cpu").write("cpu.shares", "512");
    memory = TestCgroupFactory.forField("memory", "memory");
    factories.add(cpu);
    factories.add(memory);
    api = new ContainerApiImpl(layout, "/", tmp.resolve("state"), factories);
    api.initMachine(InitSpec.getDefaultInstance());
  }

  private Path trackingDir(String name) {
    Hierarchy t = layout.tracking().get();
    return name.equals("/") ? t.mountPoint() : t.mountPoint().resolve(name.substring(1));
  }

  private Path dirOf(String controller, String name) {
    return layout.forController(controller).get().mountPoint().resolve(name.substring(1));
  }

  private static StatusCode codeOf(ThrowingRunnable r) {
    try {
      r.run();
    } catch (ContainerException e) {
      return e.code();
    }
    throw new AssertionError("expected a ContainerException");
  }

  interface ThrowingRunnable {
    void run() throws ContainerException;
  }

  @ParameterizedTest
  @EnumSource(names = {"V1", "HYBRID", "V2"})
  void createsListsAndDestroysATree(LayoutKind kind) throws Exception {
    setUp(kind);
    api.create("/a", spec("cpu { limit: 500 } memory { limit: 1000 }"));
    api.create("/a/b", spec("memory { limit: 500 }"));
    api.create("/a/b/c", ContainerSpec.getDefaultInstance());
    api.create("/z", ContainerSpec.getDefaultInstance());
    assertThat(trackingDir("/a/b/c")).isDirectory();
    assertThat(dirOf("memory", "/a/b")).isDirectory();
    if (kind != LayoutKind.V2) {
      // Attach-to-parent: /a/b does not isolate cpu, so it has no cpu cgroup of its own.
      assertThat(dirOf("cpu", "/a/b")).doesNotExist();
      assertThat(dirOf("cpu", "/a")).isDirectory();
    }
    assertThat(api.get("/").listSubcontainers(ListPolicy.SELF)).extracting(Container::name)
        .containsExactly("/a", "/z");
    assertThat(api.get("/").listSubcontainers(ListPolicy.RECURSIVE)).extracting(Container::name)
        .containsExactly("/a", "/a/b", "/a/b/c", "/z");
    assertThat(api.get("/a/b").spec().hasMemory()).isTrue();
    assertThat(api.get("/a/b").spec().hasCpu()).isFalse();

    api.destroy(api.get("/a"));
    assertThat(trackingDir("/a")).doesNotExist();
    assertThat(dirOf("memory", "/a")).doesNotExist();
    assertThat(Records.names(tmp.resolve("state"))).containsExactly("z.record");
    assertThat(api.get("/").listSubcontainers(ListPolicy.RECURSIVE)).extracting(Container::name)
        .containsExactly("/z");
    assertThat(codeOf(() -> api.get("/a/b"))).isEqualTo(StatusCode.NOT_FOUND);
  }

  @ParameterizedTest
  @EnumSource(names = {"V1", "HYBRID", "V2"})
  void errorsAsLmctfyGivesThem(LayoutKind kind) throws Exception {
    setUp(kind);
    api.create("/a", ContainerSpec.getDefaultInstance());
    assertThat(codeOf(() -> api.create("/a", ContainerSpec.getDefaultInstance())))
        .isEqualTo(StatusCode.ALREADY_EXISTS);
    assertThat(codeOf(() -> api.create("/", ContainerSpec.getDefaultInstance())))
        .isEqualTo(StatusCode.ALREADY_EXISTS);
    assertThat(codeOf(() -> api.create("/missing/child", ContainerSpec.getDefaultInstance())))
        .isEqualTo(StatusCode.NOT_FOUND);
    assertThat(codeOf(() -> api.get("/nope"))).isEqualTo(StatusCode.NOT_FOUND);
    assertThat(codeOf(() -> api.destroy(api.get("/")))).isEqualTo(StatusCode.INVALID_ARGUMENT);
    assertThat(codeOf(() -> api.create("/bad name", ContainerSpec.getDefaultInstance())))
        .isEqualTo(StatusCode.INVALID_ARGUMENT);
    assertThat(codeOf(() -> api.create("/tasks", ContainerSpec.getDefaultInstance())))
        .isEqualTo(StatusCode.INVALID_ARGUMENT);
    assertThat(codeOf(() -> api.create("/s", spec("security_spec { apparmor_profile { name: 'x' } }"))))
        .isEqualTo(StatusCode.UNIMPLEMENTED);
    // A destroyed container's handle reports NOT_FOUND everywhere.
    Container a = api.get("/a");
    api.destroy(a);
    assertThat(codeOf(a::spec)).isEqualTo(StatusCode.NOT_FOUND);
    assertThat(codeOf(() -> a.listProcesses(ListPolicy.SELF))).isEqualTo(StatusCode.NOT_FOUND);
    assertThat(codeOf(() -> api.destroy(a))).isEqualTo(StatusCode.NOT_FOUND);
  }

  @ParameterizedTest
  @EnumSource(names = {"HYBRID", "V2"})
  void aResourceWithoutControllerIsUnavailableAndNothingIsCreated(LayoutKind kind) throws Exception {
    setUp(kind);
    ContainerException e = org.junit.jupiter.api.Assertions.assertThrows(ContainerException.class,
        () -> api.create("/x", spec("cpu { limit: 1 } blockio { device_limit_set { default_limit: 50 } }")));
    assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
    assertThat(e.getMessage()).contains("blockio");
    assertThat(trackingDir("/x")).doesNotExist();
    assertThat(codeOf(() -> api.create("/y", spec("network {}")))).isEqualTo(StatusCode.UNAVAILABLE);
  }

  @ParameterizedTest
  @EnumSource(names = {"V1", "HYBRID", "V2"})
  void aFailingSecondHandlerLeavesNoDirectoryAndNoRecord(LayoutKind kind) throws Exception {
    setUp(kind);
    memory.failCreateAfter.set(0); // cpu (first, by name) succeeds, memory fails
    ContainerException e = org.junit.jupiter.api.Assertions.assertThrows(ContainerException.class,
        () -> api.create("/r", spec("cpu { limit: 1 } memory { limit: 1 }")));
    assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
    assertThat(e.getMessage()).contains("/r").contains("memory").contains("fails on purpose");
    assertThat(trackingDir("/r")).doesNotExist();
    assertThat(dirOf("cpu", "/r")).doesNotExist();
    assertThat(dirOf("memory", "/r")).doesNotExist();
    assertThat(Records.names(tmp.resolve("state"))).isEmpty();
    // A validation failure writes nothing either.
    memory.failCreateAfter.set(-1);
    cpu.failValidate = true;
    assertThat(codeOf(() -> api.create("/r", spec("cpu { limit: 1 }")))).isEqualTo(StatusCode.INVALID_ARGUMENT);
    assertThat(trackingDir("/r")).doesNotExist();
  }

  @ParameterizedTest
  @EnumSource(names = {"HYBRID", "V2"})
  void updateFollowsLmctfysRules(LayoutKind kind) throws Exception {
    setUp(kind);
    Container c = api.create("/u", spec("cpu { limit: 100 }"));
    c.update(spec("cpu { limit: 200 }"), UpdatePolicy.DIFF);
    assertThat(c.spec().getCpu().getLimit()).isEqualTo(200);
    // DIFF may not name a resource the container does not isolate.
    ContainerException e = org.junit.jupiter.api.Assertions.assertThrows(ContainerException.class,
        () -> c.update(spec("memory { limit: 5 }"), UpdatePolicy.DIFF));
    assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT);
    assertThat(e.getMessage()).contains("not being isolated").contains("memory");
    // REPLACE must name all isolated ones.
    Container both = api.create("/both", spec("cpu { limit: 1 } memory { limit: 1 }"));
    e = org.junit.jupiter.api.Assertions.assertThrows(ContainerException.class,
        () -> both.update(spec("cpu { limit: 5 }"), UpdatePolicy.REPLACE));
    assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT);
    assertThat(e.getMessage()).contains("[memory]");
    both.update(spec("cpu { limit: 5 } memory { limit: 2 }"), UpdatePolicy.REPLACE);
    assertThat(both.spec().getCpu().getLimit()).isEqualTo(5);
    // A failing update is rolled back to the snapshot of the kernel's values.
    cpu.failUpdate = true;
    e = org.junit.jupiter.api.Assertions.assertThrows(ContainerException.class,
        () -> c.update(spec("cpu { limit: 999 }"), UpdatePolicy.DIFF));
    assertThat(e.getMessage()).contains("rolled back");
    cpu.failUpdate = false;
    assertThat(c.spec().getCpu().getLimit()).isEqualTo(200);
    // owner and children_limit are fixed at creation.
    assertThat(codeOf(() -> c.update(spec("owner: 5"), UpdatePolicy.DIFF))).isEqualTo(StatusCode.INVALID_ARGUMENT);
  }

  @ParameterizedTest
  @EnumSource(names = {"HYBRID", "V2"})
  void aControllerLeavingKeepsTheContainerAndDestroyStillWorks(LayoutKind kind) throws Exception {
    setUp(kind);
    Container c = api.create("/h", spec("cpu { limit: 100 } memory { limit: 100 }"));
    factories.remove(memory);
    assertThat(c.stats(StatsType.SUMMARY).getUnavailableResourcesList()).containsExactly("memory");
    assertThat(c.spec().getUnavailableResourcesList()).containsExactly("memory");
    assertThat(c.spec().getCpu().getLimit()).isEqualTo(100);
    assertThat(c.spec().hasMemory()).isFalse();
    ContainerException e = org.junit.jupiter.api.Assertions.assertThrows(ContainerException.class,
        () -> c.update(spec("memory { limit: 5 }"), UpdatePolicy.DIFF));
    assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
    assertThat(e.getMessage()).contains("memory");
    // It comes back: everything is whole again.
    factories.add(memory);
    assertThat(c.stats(StatsType.SUMMARY).getUnavailableResourcesList()).isEmpty();
    assertThat(c.spec().getUnavailableResourcesList()).isEmpty();
    assertThat(c.spec().hasMemory()).isTrue();
    assertThat(c.stats(StatsType.SUMMARY).getMemory().getUsage()).isEqualTo(1);
    factories.remove(memory);
    api.destroy(c);
    assertThat(trackingDir("/h")).doesNotExist();
    if (kind == LayoutKind.HYBRID) {
      assertThat(dirOf("memory", "/h")).doesNotExist(); // removed generically from the record
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"HYBRID", "V2"})
  void foreignCgroupsAreNeitherListedNorReachable(LayoutKind kind) throws Exception {
    setUp(kind);
    Files.createDirectories(trackingDir("/system.slice"));
    api.create("/mine", ContainerSpec.getDefaultInstance());
    assertThat(api.get("/").listSubcontainers(ListPolicy.RECURSIVE)).extracting(Container::name)
        .containsExactly("/mine");
    assertThat(codeOf(() -> api.get("/system.slice"))).isEqualTo(StatusCode.NOT_FOUND);
    assertThat(codeOf(() -> api.create("/system.slice", ContainerSpec.getDefaultInstance())))
        .isEqualTo(StatusCode.ALREADY_EXISTS);
    assertThat(trackingDir("/system.slice")).isDirectory();
  }

  @ParameterizedTest
  @EnumSource(names = {"HYBRID"})
  void relativeNamesResolveAgainstTheCallersContainer(LayoutKind kind) throws Exception {
    setUp(kind);
    // This thread is outside the (fake) tree, so it is in "/".
    assertThat(api.detect(0)).isEqualTo("/");
    api.create("rel", ContainerSpec.getDefaultInstance());
    api.create("rel/../rel2", ContainerSpec.getDefaultInstance());
    assertThat(api.get("./rel").name()).isEqualTo("/rel");
    assertThat(api.get("rel2").name()).isEqualTo("/rel2");
    assertThat(codeOf(() -> api.detect(-1))).isEqualTo(StatusCode.INVALID_ARGUMENT);
    assertThat(codeOf(() -> api.detect(Integer.MAX_VALUE))).isEqualTo(StatusCode.NOT_FOUND);
  }

  @ParameterizedTest
  @EnumSource(names = {"HYBRID"})
  void processOperationsValidateTheirInput(LayoutKind kind) throws Exception {
    setUp(kind);
    Container c = api.create("/n", ContainerSpec.getDefaultInstance());
    assertThat(codeOf(() -> c.run(List.of("bin/true"), null))).isEqualTo(StatusCode.INVALID_ARGUMENT);
    assertThat(codeOf(() -> c.run(List.of(), null))).isEqualTo(StatusCode.INVALID_ARGUMENT);
    assertThat(codeOf(() -> c.run(List.of("/no/such/binary"), null))).isEqualTo(StatusCode.NOT_FOUND);
    assertThat(codeOf(() -> c.run(List.of("/etc/passwd"), null))).isEqualTo(StatusCode.PERMISSION_DENIED);
    assertThat(codeOf(() -> c.exec(List.of("true")))).isEqualTo(StatusCode.INVALID_ARGUMENT);
    assertThat(codeOf(() -> c.registerNotification(null, null))).isEqualTo(StatusCode.INVALID_ARGUMENT);
    // No freezer controller: pause names what is missing.
    assertThat(codeOf(c::pause)).isEqualTo(StatusCode.FAILED_PRECONDITION);
    assertThat(codeOf(() -> c.enter(List.of(999_999_999L)))).isEqualTo(StatusCode.NOT_FOUND);
  }

  /**
   * Issue 17 (3): a resource every container gets (freezer) whose bundle is away: a create is UNAVAILABLE
   * naming it (the container would lack it for good), until it returns or init forgets it.
   */
  @ParameterizedTest
  @EnumSource(names = {"V1", "V2"})
  void aCreateWithoutAnImplicitResourceIsUnavailable(LayoutKind kind) throws Exception {
    setUp(kind);
    // A stand-in on a controller the fake machines have (the spec here never mentions memory).
    TestCgroupFactory freezer = new TestCgroupFactory("freezer", "memory", s -> true);
    factories.add(freezer);
    api.create("/before", ContainerSpec.getDefaultInstance());
    factories.remove(freezer);
    assertThatThrownBy(() -> api.create("/during", spec("cpu { limit: 100 }")))
        .isInstanceOfSatisfying(ContainerException.class, e -> {
          assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
          assertThat(e.getMessage()).contains("freezer");
        });
    assertThat(trackingDir("/during")).doesNotExist();
    factories.add(freezer);
    Container after = api.create("/after", ContainerSpec.getDefaultInstance());
    assertThat(api.isolated(org.lmctfy.api.ContainerName.of(after.name()))).contains("freezer");
    // A deployment that drops the freezer on purpose: init forgets it.
    factories.remove(freezer);
    api.initMachine(InitSpec.getDefaultInstance());
    api.create("/without", ContainerSpec.getDefaultInstance());
  }
}

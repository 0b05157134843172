package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.core.testing.KernelFactories;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.core.testing.TestCgroupFactory;
import org.lmctfy.core.testing.Workload;
import org.lmctfy.spi.cgroup.Hierarchy;

/**
 * Issue 17: a process of ours killed at any step of create, destroy or update (a child JVM halted at each
 * {@link CrashPoint}) leaves a state that the next operation, or the next start ({@code recover()}), finishes
 * or undoes: never a container that can be neither used nor destroyed, never a cgroup or record left over.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CrashConsistencyKernelTest {
  private static final String SPEC = "cpu { limit: 500 } memory { limit: 104857600 }";

  private KernelRoot k;
  private final List<Workload> workloads = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    k = new KernelRoot(KernelFactories.standard(org.lmctfy.spi.cgroup.CgroupLayout.detect())
        .toArray(new TestCgroupFactory[0]));
  }

  @AfterEach
  void tearDown() throws Exception {
    workloads.forEach(Workload::close);
    if (k != null) {
      k.finish();
    }
  }

  /** Runs the operation in a child JVM that halts at {@code point}; requires that it got there. */
  private void crashAt(String point, String op, String name, String specText) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(java, "-D" + CrashPoint.PROPERTY + "=" + point, "-cp",
        System.getProperty("java.class.path"), CrashChild.class.getName(), k.root, k.stateDir.toString(), op, name,
        specText).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child finished").isTrue();
    assertThat(p.exitValue()).as("halted at " + point + "; output: " + out).isEqualTo(137);
  }

  /**
   * The kill points to test: all, or those listed in {@code -Dlmctfy.test.crash-points=a,b} (the emulated v2
   * guest, where every child JVM takes ~20 s, tests one point per operation).
   */
  static Stream<String> selected(String prefix) {
    String only = System.getProperty("lmctfy.test.crash-points", "");
    return Arrays.stream(CrashPoint.ALL).filter(p -> p.startsWith(prefix))
        .filter(p -> only.isEmpty() || Arrays.asList(only.split(",")).contains(p));
  }

  static Stream<Arguments> points(String prefix) {
    return selected(prefix).flatMap(p -> Stream.of(Arguments.of(p, false), Arguments.of(p, true)));
  }

  static Stream<Arguments> createPoints() {
    return points("create.");
  }

  static Stream<Arguments> destroyPoints() {
    return points("destroy.");
  }

  static Stream<String> createPointNames() {
    return selected("create.");
  }

  static Stream<String> destroyPointNames() {
    return selected("destroy.");
  }

  static Stream<Arguments> updatePoints() {
    return points("update.");
  }

  private void assertNotFound(String name) {
    assertThatThrownBy(() -> k.api.get(name)).isInstanceOfSatisfying(ContainerException.class,
        e -> assertThat(e.code()).as(e.getMessage()).isEqualTo(StatusCode.NOT_FOUND));
  }

  private List<String> listed() throws ContainerException {
    List<String> out = new ArrayList<>();
    for (Container c : k.api.get("/").listSubcontainers(ListPolicy.RECURSIVE)) {
      out.add(c.name());
    }
    return out;
  }

  /** Nothing of ours is left: no cgroup below the root, no record, no intent. */
  private void assertNothingLeft() throws Exception {
    assertThat(k.leftovers()).isEmpty();
    for (String d : List.of("records", "intents")) {
      Path dir = k.stateDir.resolve(d);
      if (Files.isDirectory(dir)) {
        try (Stream<Path> s = Files.walk(dir)) {
          assertThat(s.filter(Files::isRegularFile).toList()).as(d).isEmpty();
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}, restart first: {1}")
  @MethodSource("createPoints")
  void aCreateKilledAnywhereIsUndoneOrKept(String point, boolean restart) throws Exception {
    k.api.create("/p", spec(SPEC));
    crashAt(point, "create", "/p/q", SPEC);
    boolean committed = point.equals("create.record-written");
    if (restart) {
      assertThat(k.api.recover()).hasSize(1);
    }
    if (committed) {
      assertThat(k.api.record(org.lmctfy.api.ContainerName.of("/p/q")).getSpec().getCpu().getLimit()).isEqualTo(500);
      assertThat(k.api.get("/p/q").listProcesses(ListPolicy.SELF)).isEmpty();
      assertThat(listed()).containsExactly("/p", "/p/q");
    } else {
      assertNotFound("/p/q");
      assertThat(listed()).containsExactly("/p");
      if (restart) {
        Hierarchy t = k.layout.tracking().get();
        assertThat(k.rootDir(t).resolve("p/q")).doesNotExist();
      }
      // The same name can be created again, and used.
      Container q = k.api.create("/p/q", spec(SPEC));
      workloads.add(Workload.start(q, 30, "sleep", "30"));
      assertThat(q.listProcesses(ListPolicy.SELF)).isNotEmpty();
    }
    k.api.destroy(k.api.get("/p"));
    assertNothingLeft();
  }

  /** The wedge of issue 17 (1): a create killed after its first mkdir must not block its parent's destroy. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("createPointNames")
  void aParentIsDestroyedAfterAKilledCreateBelowIt(String point) throws Exception {
    k.api.create("/p", spec(SPEC));
    // Processes only in leaves: cgroup2 keeps none in a cgroup whose children have controllers enabled.
    workloads.add(Workload.start(k.api.create("/p/w", spec(SPEC)), 30, "sleep", "30"));
    crashAt(point, "create", "/p/q", SPEC);
    k.api.destroy(k.api.get("/p"));
    assertNotFound("/p");
    assertNothingLeft();
  }

  @ParameterizedTest(name = "{0}, restart first: {1}")
  @MethodSource("destroyPoints")
  void aDestroyKilledAnywhereIsFinished(String point, boolean restart) throws Exception {
    k.api.create("/p", spec(SPEC));
    Container q = k.api.create("/p/q", spec(SPEC));
    Container w = k.api.create("/p/w", spec(SPEC));
    k.api.create("/other", spec(SPEC));
    workloads.add(Workload.start(w, 30, "sleep", "30"));
    workloads.add(Workload.start(q, 30, "sleep", "30"));
    crashAt(point, "destroy", "/p", SPEC);
    if (restart) {
      assertThat(k.api.recover()).hasSize(1);
      assertThat(listed()).containsExactly("/other");
      Hierarchy t = k.layout.tracking().get();
      assertThat(k.rootDir(t).resolve("p")).doesNotExist();
    } else {
      // Being destroyed: gone for every operation, and nothing can be created below it.
      assertNotFound("/p");
      assertNotFound("/p/q");
      assertThat(listed()).containsExactly("/other");
      assertThatThrownBy(() -> k.api.create("/p/r", spec(SPEC))).isInstanceOfSatisfying(ContainerException.class,
          e -> assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND));
      // The name is free again: a create finishes the dead destroy first.
      Container again = k.api.create("/p", spec(SPEC));
      assertThat(again.listSubcontainers(ListPolicy.RECURSIVE)).isEmpty();
      assertThat(again.listProcesses(ListPolicy.RECURSIVE)).isEmpty();
    }
    k.destroyAll();
    assertNothingLeft();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("destroyPointNames")
  void aDestroyKilledAnywhereIsFinishedByDestroyingAgain(String point) throws Exception {
    k.api.create("/p", spec(SPEC));
    workloads.add(Workload.start(k.api.create("/p/q", spec(SPEC)), 30, "sleep", "30"));
    crashAt(point, "destroy", "/p", SPEC);
    Container handle = new ContainerImpl(k.api, org.lmctfy.api.ContainerName.of("/p"));
    k.api.destroy(handle); // the caller still holds its handle from before the crash
    assertNothingLeft();
  }

  @ParameterizedTest(name = "{0}, restart first: {1}")
  @MethodSource("updatePoints")
  void anUpdateKilledAnywhereIsRolledBackOrKept(String point, boolean restart) throws Exception {
    Container u = k.api.create("/u", spec(SPEC));
    crashAt(point, "update", "/u", "cpu { limit: 700 }");
    boolean committed = point.equals("update.record-written");
    Path intent = k.stateDir.resolve("intents").resolve(k.root.substring(1)).resolve("u.update");
    assertThat(intent).exists();
    if (restart) {
      assertThat(k.api.recover()).hasSize(1);
      assertThat(intent).doesNotExist();
    } else {
      u.update(spec("memory { limit: 209715200 }"), UpdatePolicy.DIFF); // the next update meets it
      assertThat(intent).doesNotExist();
    }
    org.lmctfy.api.proto.ContainerRecord record = k.api.record(org.lmctfy.api.ContainerName.of("/u"));
    assertThat(record.getSpec().getCpu().getLimit()).isEqualTo(committed ? 700 : 500);
    k.api.destroy(u);
    assertNothingLeft();
  }

  /** Issue 17 (1), as reproduced by hand: a cgroup inside a container that no record claims. */
  @Test
  void aCgroupMadeByHandInsideAContainerGoesWithIt() throws Exception {
    Container p = k.api.create("/p", spec(SPEC));
    Hierarchy t = k.layout.tracking().get();
    Files.createDirectory(k.rootDir(t).resolve("p/q"));
    assertNotFound("/p/q");
    assertThatThrownBy(() -> k.api.create("/p/q", spec(SPEC))).isInstanceOfSatisfying(ContainerException.class, e -> {
      assertThat(e.code()).isEqualTo(StatusCode.ALREADY_EXISTS);
      assertThat(e.getMessage()).contains("not made by lmctfy");
    });
    k.api.destroy(p);
    assertNothingLeft();
  }

  /**
   * Issue 17 (5): a destroy wins or loses as a whole against creates below it: with one thread creating
   * children of /p while another destroys and re-creates /p, no destroy fails, and /p never lives on without
   * its resources.
   */
  @Test
  void destroyIsSerialisedAgainstCreatesBelow() throws Exception {
    k.api.create("/p", spec(SPEC));
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.Map<StatusCode, Integer> creates = new java.util.concurrent.ConcurrentHashMap<>();
    Thread creator = new Thread(() -> {
      for (int i = 0; !stop.get() && i < 100_000; i++) {
        try {
          k.api.create("/p/x" + i, spec(SPEC));
          creates.merge(StatusCode.OK, 1, Integer::sum);
        } catch (ContainerException e) {
          creates.merge(e.code(), 1, Integer::sum);
        }
      }
    });
    creator.start();
    List<String> failures = new ArrayList<>();
    try {
      for (int round = 0; round < 40; round++) {
        try {
          k.api.destroy(k.api.get("/p"));
        } catch (ContainerException e) {
          failures.add(e.code() + ": " + e.getMessage());
        }
        k.api.create("/p", spec(SPEC));
        Thread.sleep(2); // let the creator in
      }
    } finally {
      stop.set(true);
      creator.join(60_000);
    }
    assertThat(failures).isEmpty();
    assertThat(creates.get(StatusCode.OK)).as("creates that succeeded: %s", creates).isPositive();
    assertThat(creates.keySet()).as("create outcomes").isSubsetOf(StatusCode.OK, StatusCode.NOT_FOUND);
    k.api.destroy(k.api.get("/p"));
    assertNothingLeft();
  }

  /** Issue 17 (4): operations on a container that is being destroyed answer NOT_FOUND naming it. */
  @Test
  void aContainerBeingDestroyedIsNotFoundForEveryOperation() throws Exception {
    Container p = k.api.create("/p", spec(SPEC));
    k.api.lifecycle().intents().write(org.lmctfy.api.ContainerName.of("/p"), Intents.Op.DESTROY, new byte[0]);
    for (ThrowingCall call : List.<ThrowingCall>of(p::spec, () -> p.stats(org.lmctfy.api.StatsType.SUMMARY),
        p::pause, () -> p.listProcesses(ListPolicy.SELF), () -> p.update(spec("cpu { limit: 100 }"),
            UpdatePolicy.DIFF), () -> p.enter(List.of(ProcessHandle.current().pid())))) {
      assertThatThrownBy(call::run).isInstanceOfSatisfying(ContainerException.class, e -> {
        assertThat(e.code()).as(e.getMessage()).isEqualTo(StatusCode.NOT_FOUND);
        assertThat(e.getMessage()).contains("/p");
      });
    }
    // Our own pid owns the intent: a live destroy, which another destroy does not take over.
    assertThatThrownBy(() -> k.api.destroy(p)).isInstanceOfSatisfying(ContainerException.class,
        e -> assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND));
    k.api.lifecycle().intents().delete(org.lmctfy.api.ContainerName.of("/p"), Intents.Op.DESTROY);
  }

  private interface ThrowingCall {
    void run() throws Exception;
  }
}

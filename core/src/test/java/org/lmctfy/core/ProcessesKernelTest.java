package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.core.testing.KernelFactories;
import org.lmctfy.core.testing.Expect;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.core.testing.Workload;
import org.lmctfy.core.testing.TestCgroupFactory;
import org.lmctfy.spi.cgroup.Hierarchy;

/** run, killAll and friends on the real kernel (root only). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProcessesKernelTest {
  @TempDir Path tmp;
  private KernelRoot k;

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    k = new KernelRoot(KernelFactories.standard(org.lmctfy.spi.cgroup.CgroupLayout.detect())
        .toArray(new TestCgroupFactory[0]));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (k != null) {
      k.finish();
    }
  }

  /** The process leaf's suffix on cgroup2 (a container's own processes live there), none on v1. */
  private static String leaf(Hierarchy t) {
    return t.unified() ? "/" + org.lmctfy.spi.cgroup.ProcessLeaf.NAME : "";
  }

  private static void waitFor(long pid) throws Exception {
    Workload.awaitExit(pid, 30);
  }

  @Test
  void theCommandStartsInsideEveryCgroupOfTheContainer() throws Exception {
    Container c = k.api.create("/r", spec("cpu { limit: 100 } memory { limit: 104857600 }"));
    Path out = tmp.resolve("cgroup");
    long pid = c.run(List.of("/bin/sh", "-c", "cat /proc/self/cgroup > " + out), RunSpec.getDefaultInstance());
    waitFor(pid);
    String cgroups = Files.readString(out);
    Hierarchy t = k.layout.tracking().get();
    assertThat(cgroups).contains((t.unified() ? "0::" : "name=" + t.name() + ":") + k.root + "/r" + leaf(t) + "\n");
    Hierarchy mem = k.layout.forController("memory").get();
    if (!mem.unified()) {
      assertThat(cgroups).contains(":memory:" + k.root + "/r\n");
      assertThat(cgroups).containsPattern(":cpu:" + k.root + "/r\n");
    }
  }

  @Test
  void fiftyChildrenForkedAtOnceAreAllInside() throws Exception {
    Container c = k.api.create("/forks", ContainerSpec.getDefaultInstance());
    long pid = c.run(List.of("/bin/sh", "-c", "for i in $(seq 50); do sleep 30 & done; wait"),
        RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (c.listProcesses(ListPolicy.SELF).size() < 51 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    List<Long> pids = c.listProcesses(ListPolicy.SELF);
    assertThat(pids).hasSize(51).contains(pid);
    for (long p : pids) {
      assertThat(k.api.detect(p)).as("pid %d", p).isEqualTo("/forks");
    }
    // DETACHED: a session of its own.
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    assertThat(Long.parseLong(f[3])).as("session id").isEqualTo(pid);
    c.killAll();
    assertThat(c.listProcesses(ListPolicy.SELF)).isEmpty();
  }

  @Test
  void killAllEmptiesAContainerThatKeepsForking() throws Exception {
    Container c = k.api.create("/forker", ContainerSpec.getDefaultInstance());
    c.run(List.of("/bin/sh", "-c", "i=0; while [ $i -lt 3000 ]; do sleep 20 & i=$((i+1)); done; wait"),
        RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build());
    Thread.sleep(300); // let it fork a while
    assertThat(c.listProcesses(ListPolicy.SELF).size()).isGreaterThan(5);
    c.killAll();
    assertThat(c.listProcesses(ListPolicy.SELF)).isEmpty();
  }

  @Test
  void killAllSelfSparesTheChildrenAndRecursiveDoesNot() throws Exception {
    Container p = k.api.create("/p", ContainerSpec.getDefaultInstance());
    Container ch = k.api.create("/p/c", ContainerSpec.getDefaultInstance());
    RunSpec detached = RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build();
    long child = ch.run(List.of("/bin/sleep", "60"), detached);
    assertThat(ch.listProcesses(ListPolicy.SELF)).containsExactly(child);
    p.killAll(ListPolicy.SELF);
    assertThat(ch.listProcesses(ListPolicy.SELF)).containsExactly(child);
    p.killAll(ListPolicy.RECURSIVE);
    assertThat(p.listProcesses(ListPolicy.RECURSIVE)).isEmpty();
  }

  @Test
  void execReplacesTheCallingProcessInsideTheContainer() throws Exception {
    k.api.create("/x", ContainerSpec.getDefaultInstance());
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "org.lmctfy.core.testing.ExecMain", k.root, k.stateDir.toString(), "/x", "/bin/cat", "/proc/self/cgroup")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    Hierarchy t = k.layout.tracking().get();
    assertThat(out).contains((t.unified() ? "0::" : "name=" + t.name() + ":") + k.root + "/x" + leaf(t) + "\n");
    // A missing command fails before the process moves.
    Process bad = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "org.lmctfy.core.testing.ExecMain", k.root, k.stateDir.toString(), "/x", "/no/such/cmd")
        .redirectErrorStream(true).start();
    String badOut = new String(bad.getInputStream().readAllBytes());
    assertThat(bad.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(bad.exitValue()).as(badOut).isEqualTo(StatusCode.NOT_FOUND.number());
    assertThat(badOut).contains("NOT_FOUND: No such command: /no/such/cmd");
  }

  @Test
  void enteringOneThreadMovesItsProcessOnCgroupTwoAndOnlyTheThreadOnV1() throws Exception {
    Container c = k.api.create("/threads", ContainerSpec.getDefaultInstance());
    // A process with a second thread: sh running a background job is two processes, so use the JVM's
    // own test helper: a Java child with an extra thread.
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "org.lmctfy.core.testing.TwoThreads").start();
    try {
      String tid = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine().trim();
      long thread = Long.parseLong(tid);
      c.enter(List.of(thread));
      Hierarchy t = k.layout.tracking().get();
      if (t.unified()) {
        assertThat(c.listProcesses(ListPolicy.SELF)).containsExactly(p.pid());
      } else {
        assertThat(c.listThreads(ListPolicy.SELF)).containsExactly(thread);
        assertThat(c.listProcesses(ListPolicy.SELF)).containsExactly(p.pid());
      }
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void badInputGetsPreciseErrorsAndNothingRuns() throws Exception {
    Container c = k.api.create("/bad", ContainerSpec.getDefaultInstance());
    assertCode(() -> c.run(List.of("sh", "-c", "true"), null), StatusCode.INVALID_ARGUMENT, "absolute");
    assertCode(() -> c.run(List.of(), null), StatusCode.INVALID_ARGUMENT, "empty");
    assertCode(() -> c.run(List.of("/no/such/binary"), null), StatusCode.NOT_FOUND, "/no/such/binary");
    assertCode(() -> c.run(List.of("/bin/true"), RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.UNKNOWN)
        .build()), StatusCode.INVALID_ARGUMENT, "UNKNOWN");
    assertCode(() -> c.enter(List.of(0L)), StatusCode.NOT_FOUND, "0");
    assertThat(c.listProcesses(ListPolicy.SELF)).isEmpty();
    k.api.destroy(c);
    assertCode(() -> c.run(List.of("/bin/true"), null), StatusCode.NOT_FOUND, "/bad");
  }

  @Test
  void theHelperReportsAFailedStepPrecisely() throws Exception {
    ExecHelper helper = new ExecHelper(k.stateDir);
    try {
      assertCode(() -> helper.start(List.of(tmp.resolve("not-a-cgroup")), List.of("/bin/true"),
          RunSpec.getDefaultInstance(), null, null), StatusCode.NOT_FOUND, "not-a-cgroup/cgroup.procs");
      assertCode(() -> helper.start(List.of(), List.of("/bin/true"), RunSpec.getDefaultInstance(), null,
          tmp.resolve("no-such-dir")), StatusCode.NOT_FOUND, "chdir");
    } finally {
      helper.close(); // its helper server
    }
  }

  /**
   * A held helper (lmctfy's client through lmctfyd): execs the command only once placed, in the container;
   * runs nothing when the placement fails; is killed, with nothing run, when it cannot go on (its container
   * was paused before it could exec).
   */
  @Test
  void aHeldHelperExecsOnlyOncePlacedAndNeverOtherwise() throws Exception {
    Path binary = new ExecHelper(k.stateDir).binary();
    Container c = k.api.create("/held", spec("memory { limit: 104857600 }"));
    Path out = tmp.resolve("cgroup");
    long[] placed = new long[1];
    long pid = org.lmctfy.spi.exec.HelperProcess.startHeld(binary, p -> {
      assertThat(Files.exists(out)).as("nothing ran before the placement").isFalse();
      placed[0] = p;
      c.enter(List.of(p));
    }, List.of("/bin/sh", "-c", "cat /proc/self/cgroup > " + out), RunSpec.getDefaultInstance(), null, null);
    assertThat(pid).isEqualTo(placed[0]);
    waitFor(pid);
    Hierarchy t = k.layout.tracking().get();
    assertThat(Files.readString(out)).contains((t.unified() ? "0::" : "name=" + t.name() + ":") + k.root + "/held" + leaf(t) + "\n");

    Path marker = tmp.resolve("ran");
    assertCode(() -> org.lmctfy.spi.exec.HelperProcess.startHeld(binary, p -> {
      placed[0] = p;
      throw ContainerException.notFound("placement refused");
    }, List.of("/bin/touch", marker.toString()), RunSpec.getDefaultInstance(), null, null), StatusCode.NOT_FOUND,
        "placement refused");
    waitFor(placed[0]);
    assertThat(marker).as("a helper whose placement failed runs nothing").doesNotExist();

  }

  @Test
  void aHeldHelperThatCannotGoOnIsKilledAndRunsNothing() throws Exception {
    Hierarchy t = k.layout.tracking().get();
    assumeTrue(t.unified() && Files.exists(k.rootDir(t).resolve("cgroup.freeze")), "no cgroup2 freezer here");
    Path binary = new ExecHelper(k.stateDir).binary();
    Container c = k.api.create("/paused", spec("memory { limit: 104857600 }"));
    Path dir = k.rootDir(t).resolve("paused");
    Files.writeString(dir.resolve("cgroup.freeze"), "1"); // paused behind the client's back
    Path marker = tmp.resolve("ran");
    long[] placed = new long[1];
    long t0 = System.nanoTime();
    assertCode(() -> org.lmctfy.spi.exec.HelperProcess.startHeld(binary, p -> {
      placed[0] = p;
      c.enter(List.of(p));
    }, List.of("/bin/touch", marker.toString()), RunSpec.getDefaultInstance(), null, null),
        StatusCode.DEADLINE_EXCEEDED, "paused");
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(30));
    Files.writeString(dir.resolve("cgroup.freeze"), "0");
    waitFor(placed[0]);
    assertThat(marker).as("a helper killed while frozen runs nothing once thawed").doesNotExist();
    assertThat(c.listProcesses(ListPolicy.SELF)).isEmpty();
  }

  private static void assertCode(Expect.Call call, StatusCode code, String fragment) {
    Expect.code(call, code, fragment);
  }
}

package org.lmctfy.controller.freezer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.core.testing.Workload;

/** pause/resume on the real kernel: a busy process really stops, children too (root only). */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FreezerKernelTest {
  private KernelRoot k;

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    k = new KernelRoot(new FreezerFactory());
    assumeTrue(!new FreezerFactory().hierarchies(k.layout).isEmpty(), "no freezer (v1) nor cgroup2");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (k != null) {
      k.finish();
    }
  }

  private static long ticksOver(long pid, long millis) throws Exception {
    long t0 = Workload.cpuTicks(pid);
    Thread.sleep(millis);
    return Workload.cpuTicks(pid) - t0;
  }

  @Test
  void pauseStopsACountingProcessAndResumeRestartsIt() throws Exception {
    Container c = k.api.create("/f", ContainerSpec.getDefaultInstance());
    try (Workload busy = Workload.start(c, 60, "/bin/sh", "-c", "while :; do :; done")) {
      long pid = busy.commandPid();
      assertThat(ticksOver(pid, 300)).as("it runs").isGreaterThan(0);
      c.pause();
      assertThat(c.stats(StatsType.SUMMARY).getFreezerState()).isEqualTo("FROZEN");
      assertThat(ticksOver(pid, 1000)).as("frozen: no CPU time for 1 s").isZero();
      c.resume();
      assertThat(c.stats(StatsType.SUMMARY).getFreezerState()).isEqualTo("THAWED");
      assertThat(ticksOver(pid, 500)).as("it runs again").isGreaterThan(0);
    }
  }

  @Test
  void pausingAParentFreezesItsChildren() throws Exception {
    Container parent = k.api.create("/p", ContainerSpec.getDefaultInstance());
    Container child = k.api.create("/p/c", ContainerSpec.getDefaultInstance());
    try (Workload busy = Workload.start(child, 60, "/bin/sh", "-c", "while :; do :; done");
        Workload own = Workload.start(parent, 60, "/bin/sh", "-c", "while :; do :; done")) {
      long pid = busy.commandPid();
      long ownPid = own.commandPid(); // the parent's own process (cgroup2: in its process leaf)
      parent.pause();
      assertThat(ticksOver(pid, 1000)).as("the child's process is frozen").isZero();
      assertThat(ticksOver(ownPid, 500)).as("the parent's own process is frozen").isZero();
      assertThat(child.stats(StatsType.SUMMARY).getFreezerState()).isEqualTo("FROZEN");
      parent.resume();
      assertThat(ticksOver(pid, 500)).isGreaterThan(0);
      assertThat(ticksOver(ownPid, 500)).isGreaterThan(0);
    }
  }

  /**
   * Destroying a paused container ends the processes of its children too: their tasks are frozen by the
   * parent's pause (v1: SIGKILL waits for a thaw), so the destroy thaws from the child up to the container
   * it destroys.
   */
  @Test
  void destroyingAPausedContainerEndsItsChildrensProcesses() throws Exception {
    Container parent = k.api.create("/dp", ContainerSpec.getDefaultInstance());
    Container child = k.api.create("/dp/c", ContainerSpec.getDefaultInstance());
    try (Workload sleeper = Workload.start(child, 60, "/bin/sleep", "60")) {
      long pid = sleeper.commandPid();
      parent.pause();
      assertThat(child.stats(StatsType.SUMMARY).getFreezerState()).isEqualTo("FROZEN");
      long t0 = System.nanoTime();
      k.api.destroy(parent);
      assertThat(System.nanoTime() - t0).as("no wait for an unkillable task")
          .isLessThan(TimeUnit.SECONDS.toNanos(5));
      awaitGone(pid);
      assertThat(k.leftovers()).isEmpty();
    }
  }

  private static void awaitGone(long pid) throws Exception {
    Workload.awaitExit(pid, 5);
  }

  @Test
  void killAllEmptiesAPausedContainer() throws Exception {
    Container c = k.api.create("/kp", ContainerSpec.getDefaultInstance());
    try (Workload sleeper = Workload.start(c, 60, "/bin/sleep", "60")) {
      long pid = sleeper.commandPid();
      c.pause();
      long t0 = System.nanoTime();
      c.killAll();
      assertThat(System.nanoTime() - t0).as("no wait for an unkillable task")
          .isLessThan(TimeUnit.SECONDS.toNanos(5));
      awaitGone(pid);
      assertThat(c.listProcesses(org.lmctfy.api.ListPolicy.RECURSIVE)).isEmpty();
      // cgroup2's cgroup.kill ends frozen tasks: the pause stays; the v1 freezer had to thaw to let them die.
      boolean v2 = new FreezerFactory().hierarchies(k.layout).get(0).unified();
      assertThat(c.stats(StatsType.SUMMARY).getFreezerState()).isEqualTo(v2 ? "FROZEN" : "THAWED");
    }
  }

  /**
   * killAll of a paused container's own processes (SELF, it has a subcontainer) on cgroup2: the core stops forks meanwhile with the
   * membership cgroup's cgroup.freeze, the very file that pauses the container there; it must leave a paused
   * container paused (it used to thaw it). On v1 the freezer thaws to let frozen tasks die, as for RECURSIVE.
   */
  @Test
  void killAllOfItsOwnProcessesLeavesAPausedContainerPausedOnCgroupTwo() throws Exception {
    Container c = k.api.create("/ks", ContainerSpec.getDefaultInstance());
    k.api.create("/ks/child", ContainerSpec.getDefaultInstance()); // SELF then kills only /ks's own processes
    try (Workload sleeper = Workload.start(c, 60, "/bin/sleep", "60")) {
      long pid = sleeper.commandPid();
      c.pause();
      c.killAll(org.lmctfy.api.ListPolicy.SELF);
      awaitGone(pid);
      assertThat(c.listProcesses(org.lmctfy.api.ListPolicy.SELF)).isEmpty();
      boolean v2 = new FreezerFactory().hierarchies(k.layout).get(0).unified();
      assertThat(c.stats(StatsType.SUMMARY).getFreezerState()).isEqualTo(v2 ? "FROZEN" : "THAWED");
    }
  }

  /**
   * Emptying a container under a paused one: cgroup2 kills its frozen tasks and the parent stays paused; on
   * v1 they cannot die until the parent is resumed, which is not for a killall or destroy of the child to
   * decide: FAILED_PRECONDITION naming the parent at once (it used to be "survived SIGKILL" after 10 s), the
   * child intact; once the parent is resumed both work.
   */
  @Test
  void emptyingAChildOfAPausedContainer() throws Exception {
    Container parent = k.api.create("/pp", ContainerSpec.getDefaultInstance());
    Container child = k.api.create("/pp/c", ContainerSpec.getDefaultInstance());
    boolean v2 = new FreezerFactory().hierarchies(k.layout).get(0).unified();
    try (Workload sleeper = Workload.start(child, 60, "/bin/sleep", "60")) {
      long pid = sleeper.commandPid();
      parent.pause();
      long t0 = System.nanoTime();
      assertThatThrownBy(child::resume).isInstanceOfSatisfying(ContainerException.class,
          e -> assertThat(e.code()).isEqualTo(StatusCode.FAILED_PRECONDITION)).hasMessageContaining("resume that one");
      assertThat(System.nanoTime() - t0).as("refused at once").isLessThan(TimeUnit.SECONDS.toNanos(2));
      for (Runnable op : List.<Runnable>of(() -> call(child::killAll), () -> call(() -> k.api.destroy(child)))) {
        t0 = System.nanoTime();
        if (v2) {
          op.run();
          awaitGone(pid);
          assertThat(parent.stats(StatsType.SUMMARY).getFreezerState()).isEqualTo("FROZEN");
          break;
        }
        assertThatThrownBy(op::run).hasCauseInstanceOf(ContainerException.class).cause()
            .satisfies(e -> assertThat(((ContainerException) e).code()).isEqualTo(StatusCode.FAILED_PRECONDITION))
            .hasMessageContaining("paused container /pp").hasMessageContaining("Resume /pp");
        assertThat(System.nanoTime() - t0).as("refused at once").isLessThan(TimeUnit.SECONDS.toNanos(5));
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("still there, frozen").contains(true);
        assertThat(exists("/pp/c")).isTrue();
        assertThat(parent.stats(StatsType.SUMMARY).getFreezerState()).isEqualTo("FROZEN");
      }
      if (!v2) {
        parent.resume();
        child.killAll();
        awaitGone(pid);
      }
      k.api.destroy(child);
      assertThat(exists("/pp/c")).isFalse();
    }
  }

  private boolean exists(String name) throws ContainerException {
    try {
      k.api.get(name);
      return true;
    } catch (ContainerException e) {
      if (e.code() == StatusCode.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  private interface Call {
    void run() throws ContainerException;
  }

  private static void call(Call c) {
    try {
      c.run();
    } catch (ContainerException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  @Test
  void nothingStartsIntoAPausedContainer() throws Exception {
    Container c = k.api.create("/paused", ContainerSpec.getDefaultInstance());
    c.pause();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.run(java.util.List.of("/bin/true"), null))
        .isInstanceOfSatisfying(org.lmctfy.api.ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(org.lmctfy.api.StatusCode.FAILED_PRECONDITION))
        .hasMessageContaining("paused");
    c.resume();
    java.nio.file.Path mark = java.nio.file.Files.createTempFile("lmctfy-test-ran", ".txt");
    try {
      long pid = c.run(java.util.List.of("/bin/sh", "-c", "echo ran > " + mark), null);
      ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
      assertThat(java.nio.file.Files.readString(mark)).as("resumed: the command ran").isEqualTo("ran\n");
    } finally {
      java.nio.file.Files.deleteIfExists(mark);
    }
  }

  @Test
  void destroyKillsAFrozenContainer() throws Exception {
    Container c = k.api.create("/d", ContainerSpec.getDefaultInstance());
    Workload busy = Workload.start(c, 60, "/bin/sh", "-c", "while :; do :; done");
    try {
      c.pause();
      k.api.destroy(c);
      assertThat(busy.process.waitFor(10, TimeUnit.SECONDS)).as("killed though frozen").isTrue();
    } finally {
      busy.close();
    }
  }
}

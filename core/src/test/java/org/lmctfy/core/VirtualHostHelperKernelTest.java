package org.lmctfy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.lmctfy.api.Container;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.core.testing.Expect;
import org.lmctfy.core.testing.KernelFactories;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.core.testing.TestCgroupFactory;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.lmctfy.spi.exec.HelperProcess;
import org.lmctfy.spi.exec.NamespaceType;
import org.lmctfy.spi.exec.Namespaces;

/**
 * The native half of virtual hosts on the real kernel (root only): lmctfy-exec creates namespaces around
 * lmctfy-nsinit, PID 1 of a new pid namespace, inside a container's cgroups; commands join its namespaces.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VirtualHostHelperKernelTest {
  private static final Set<NamespaceType> VHOST = Set.of(NamespaceType.PID, NamespaceType.IPC,
      NamespaceType.MNT, NamespaceType.UTS);
  private static final RunSpec DETACHED = RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build();

  @TempDir Path tmp;
  private KernelRoot k;
  private Container vh;
  private Path exec;
  private Path nsinit;
  private final List<Long> inits = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    k = new KernelRoot(KernelFactories.standard(CgroupLayout.detect()).toArray(new TestCgroupFactory[0]));
    vh = k.api.create("/vh", org.lmctfy.api.proto.ContainerSpec.getDefaultInstance());
    exec = k.api.execHelper().binary();
    nsinit = extract("lmctfy-nsinit");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (long init : inits) { // SIGKILL of an init ends its whole pid namespace
      ProcessHandle.of(init).ifPresent(ProcessHandle::destroyForcibly);
    }
    if (k != null) {
      k.api.execHelper().shutdownServer(); // the helper server is a child too; it ends when told
    }
    for (ProcessHandle relay : ProcessHandle.current().children().toList()) { // they end with their commands
      relay.onExit().get(10, TimeUnit.SECONDS);
    }
    if (k != null) {
      k.finish();
    }
  }

  @Test
  void theInitIsPidOneAndAJoiningCommandSeesOnlyTheVirtualHost() throws Exception {
    long init = startInit("vh-test");
    assertThat(nsPids(init)).as("NSpid of the init").containsExactly(init, 1L);
    assertThat(Files.readString(Path.of("/proc/" + init + "/cgroup"))).contains(k.root + "/vh\n");

    Path out = tmp.resolve("out");
    long pid = HelperProcess.start(exec, dirs(), Namespaces.joining(init, VHOST), List.of("/bin/sh", "-c",
        "echo $$ > " + out + "; read h < /proc/sys/kernel/hostname; echo $h >> " + out
            + "; for p in /proc/[0-9]*; do echo ${p#/proc/}; done >> " + out + "; echo end >> " + out
            + "; exec /bin/sleep 60"), RunSpec.getDefaultInstance(), null, null);
    List<String> lines = awaitLines(out, "end");
    long inside = Long.parseLong(lines.get(0));
    assertThat(inside).as("its pid inside").isNotEqualTo(pid).isGreaterThan(1);
    assertThat(nsPids(pid)).as("the returned pid is the command's").containsExactly(pid, inside);
    assertThat(lines.get(1)).isEqualTo("vh-test");
    assertThat(lines.subList(2, lines.size() - 1)).as("the processes of its /proc")
        .containsExactlyInAnyOrder("1", Long.toString(inside));
    assertThat(Files.readString(Path.of("/proc/" + pid + "/cgroup"))).contains(k.root + "/vh\n");
    assertThat(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/ipc")))
        .isEqualTo(Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/ipc")))
        .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/ipc")));
  }

  @Test
  void theInitReapsOrphansAndForwardsSigtermButStays() throws Exception {
    long init = startInit("vh-reap");
    long orphan = startOrphan(init);
    assertThat(parentOf(orphan)).as("re-parented to the init").isEqualTo(init);
    kill(orphan, "KILL");
    awaitGone(orphan); // gone, not a zombie: the init reaped it

    long another = startOrphan(init);
    kill(init, "TERM");
    awaitGone(another);
    assertThat(state(init)).as("the init after SIGTERM").isIn('S', 'R');
    assertThat(nsPids(init)).containsExactly(init, 1L);
  }

  @Test
  void aRelayForwardsSignalsToTheCommandAndEndsAsItEnds() throws Exception {
    long init = startInit("vh-relay");
    long pid = HelperProcess.start(exec, dirs(), Namespaces.joining(init, VHOST), List.of("/bin/sleep", "60"),
        RunSpec.getDefaultInstance(), null, null);
    long relay = parentOf(pid);
    assertThat(relay).as("the relay, outside the pid namespace").isNotEqualTo(init);
    assertThat(nsPids(relay)).hasSize(1);
    kill(relay, "TERM");
    awaitGone(pid);
    awaitGone(relay);

    // The exit status, or the signal, of the command is the relay's (here without a status socket).
    Process exit7 = new ProcessBuilder(exec.toString(), "--ns", "pid=/proc/" + init + "/ns/pid", "--",
        "/bin/sh", "-c", "exit 7").redirectErrorStream(true).start();
    assertThat(exit7.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(exit7.exitValue()).isEqualTo(7);
    // Without a status socket (Container.exec) the pid is nobody's business: nothing is printed.
    assertThat(new String(exit7.getInputStream().readAllBytes())).isEmpty();
    Process usr1 = new ProcessBuilder(exec.toString(), "--ns", "pid=/proc/" + init + "/ns/pid", "--",
        "/bin/sh", "-c", "kill -USR1 $$").redirectErrorStream(true).start();
    assertThat(usr1.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(usr1.exitValue()).as("killed by SIGUSR1").isEqualTo(128 + 10);
  }

  /**
   * The new mount namespace is a recursive slave of the host's: a mount made inside never shows outside, even
   * below a shared host mount; the host's mounts and unmounts reach inside.
   */
  @Test
  void mountsInsideStayInsideAndTheHostsReachIn() throws Exception {
    Path shared = Files.createDirectory(tmp.resolve("shared"));
    sh("mount -t tmpfs lmctfy-test-shared " + shared + " && mount --make-shared " + shared + " && mkdir "
        + shared + "/in " + shared + "/later");
    try {
      long init = startInit("vh-mnt");
      Path out = tmp.resolve("out");
      runInside(init, "mount -t tmpfs lmctfy-test-inner " + shared + "/in && echo x > " + shared
          + "/in/f && echo mounted > " + out);
      assertThat(Files.readString(out)).isEqualTo("mounted\n");
      assertThat(shared.resolve("in/f")).as("the file on the inside tmpfs, from the host").doesNotExist();
      assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(shared + "/in ");
      runInside(init, "test -f " + shared + "/in/f && echo still > " + out);
      assertThat(Files.readString(out)).as("the inside mount lives on inside").isEqualTo("still\n");

      sh("mount -t tmpfs lmctfy-test-later " + shared + "/later && echo y > " + shared + "/later/g");
      runInside(init, "test -f " + shared + "/later/g && echo seen > " + out);
      assertThat(Files.readString(out)).as("a later host mount, inside").isEqualTo("seen\n");
      sh("umount " + shared + "/later");
      runInside(init, "test -f " + shared + "/later/g || echo gone > " + out);
      assertThat(Files.readString(out)).as("the host's unmount, inside").isEqualTo("gone\n");
    } finally {
      sh("umount " + shared + "/later 2>/dev/null; umount " + shared);
    }
  }

  @Test
  void killingTheInitEndsEveryProcessOfTheNamespace() throws Exception {
    long init = startInit("vh-kill");
    long command = HelperProcess.start(exec, dirs(), Namespaces.joining(init, VHOST), List.of("/bin/sleep",
        "60"), DETACHED, null, null);
    long relay = parentOf(command);
    long orphan = startOrphan(init);
    assertThat(vh.listProcesses(ListPolicy.SELF)).contains(init, command, relay, orphan);
    kill(init, "KILL");
    for (long pid : List.of(init, command, orphan, relay)) {
      awaitGone(pid);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!vh.listProcesses(ListPolicy.SELF).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(vh.listProcesses(ListPolicy.SELF)).as("the container, once the init is killed").isEmpty();
  }

  @Test
  void badNamespacesFailClearlyAndNothingRuns() throws Exception {
    long init = startInit("vh-bad");
    Path marker = tmp.resolve("ran");
    List<String> touch = List.of("/bin/touch", marker.toString());
    Path notNs = Files.writeString(tmp.resolve("not-a-namespace"), "x");
    Expect.code(() -> HelperProcess.start(exec, dirs(), new Namespaces(java.util.Map.of(NamespaceType.PID,
        Path.of("/proc/999999999/ns/pid")), null, null, false), touch, RunSpec.getDefaultInstance(), null, null),
        StatusCode.NOT_FOUND, "namespace pid /proc/999999999/ns/pid: No such file or directory");
    Expect.code(() -> HelperProcess.start(exec, dirs(), new Namespaces(java.util.Map.of(NamespaceType.PID,
        notNs), null, null, false), touch, RunSpec.getDefaultInstance(), null, null),
        StatusCode.INVALID_ARGUMENT, notNs + ": not a namespace file");
    Expect.code(() -> HelperProcess.start(exec, dirs(), new Namespaces(java.util.Map.of(NamespaceType.PID,
        NamespaceType.NET.of(init)), null, null, false), touch, RunSpec.getDefaultInstance(), null, null),
        StatusCode.INVALID_ARGUMENT, "a net namespace, not a pid one");
    String longName = "h".repeat(65);
    Expect.code(() -> HelperProcess.start(exec, dirs(), Namespaces.creating(Set.of(NamespaceType.UTS),
        longName, false), touch, RunSpec.getDefaultInstance(), null, null),
        StatusCode.INVALID_ARGUMENT, "hostname \"" + longName + "\": 65 bytes, not 1 to 64");
    Expect.code(() -> HelperProcess.start(exec, dirs(), Namespaces.creating(Set.of(NamespaceType.PID),
        "x", true), touch, RunSpec.getDefaultInstance(), null, null),
        StatusCode.INVALID_ARGUMENT, "--hostname x needs a new UTS namespace");
    Expect.code(() -> HelperProcess.start(exec, dirs(), Namespaces.creating(Set.of(NamespaceType.USER),
        null, false), touch, RunSpec.getDefaultInstance(), null, null),
        StatusCode.INVALID_ARGUMENT, "\"user\" is not one of ipc, uts, mnt, pid, net, cgroup");
    // A failure after the fork, in the new init (PID 1): its cwd is missing.
    Expect.code(() -> HelperProcess.start(exec, dirs(), Namespaces.creating(VHOST, "x", true), touch,
        RunSpec.getDefaultInstance(), null, tmp.resolve("no-such-dir")), StatusCode.NOT_FOUND, "chdir");
    assertThat(marker).as("nothing ran").doesNotExist();
    // The failed helpers leave the cgroup as they exit and are reaped (slowly under emulation): bounded wait.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!vh.listProcesses(ListPolicy.SELF).equals(List.of(init)) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(vh.listProcesses(ListPolicy.SELF)).as("only the init is left").containsExactly(init);
  }

  /** Starts lmctfy-nsinit in new pid, ipc, mnt and uts namespaces inside the container. */
  private long startInit(String hostname) throws Exception {
    long init = HelperProcess.start(exec, dirs(), Namespaces.creating(VHOST, hostname, true),
        List.of(nsinit.toString()), DETACHED, null, null);
    inits.add(init);
    return init;
  }

  /** A sleep left behind by a shell that exits at once: the init becomes its parent. Returns its host pid. */
  private long startOrphan(long init) throws Exception {
    long before = System.nanoTime();
    Path out = tmp.resolve("orphan-" + before);
    runInside(init, "/bin/sleep 60 > /dev/null 2>&1 & echo $! > " + out);
    long inside = Long.parseLong(Files.readString(out).strip());
    for (ProcessHandle child : ProcessHandle.of(init).orElseThrow().children().toList()) {
      if (nsPids(child.pid()).get(1) == inside) {
        return child.pid();
      }
    }
    throw new AssertionError("no child of the init has pid " + inside + " inside");
  }

  /** Runs a shell command in the init's namespaces and cgroups, and waits until it ends. */
  private void runInside(long init, String script) throws Exception {
    long pid = HelperProcess.start(exec, dirs(), Namespaces.joining(init, VHOST), List.of("/bin/sh", "-c",
        script), RunSpec.getDefaultInstance(), null, null);
    awaitGone(pid);
  }

  /** The container's directories in every hierarchy. */
  private List<Path> dirs() {
    List<Path> out = new ArrayList<>();
    for (Hierarchy h : k.layout.hierarchies()) {
      Path d = k.rootDir(h).resolve("vh");
      if (Files.isDirectory(d)) {
        out.add(d);
      }
    }
    return out;
  }

  private Path extract(String name) throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/org/lmctfy/nativehelper/" + name)) {
      assertThat(in).as(name + " in the native jar").isNotNull();
      Path bin = Files.createDirectories(k.stateDir.resolve("bin")).resolve(name);
      Files.write(bin, in.readAllBytes());
      Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
      return bin;
    }
  }

  /** The NSpid line of /proc/PID/status: the pid in each pid namespace from the host's down. */
  private static List<Long> nsPids(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("NSpid:")) {
        return java.util.Arrays.stream(line.substring(6).strip().split("\\s+")).map(Long::parseLong).toList();
      }
    }
    throw new AssertionError("no NSpid line for " + pid);
  }

  private static String[] stat(long pid) throws IOException {
    String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return s.substring(s.lastIndexOf(')') + 2).split(" ");
  }

  private static char state(long pid) throws IOException {
    return stat(pid)[0].charAt(0);
  }

  private static long parentOf(long pid) throws IOException {
    return Long.parseLong(stat(pid)[1]);
  }

  /** Waits (10 s at most) until a process has ended: gone, or a zombie of a parent that is not its init. */
  private static void awaitGone(long pid) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try {
        if (state(pid) == 'Z' && parentOf(pid) == 1) { // re-parented to the machine's init, ended: not ours
          return;
        }
      } catch (IOException e) { // NoSuchFileException, or ESRCH when it went while being read
        if (!Files.exists(Path.of("/proc/" + pid))) {
          return;
        }
        throw e;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("process " + pid + " still there (state " + state(pid) + ")");
  }

  private static void kill(long pid, String signal) throws Exception {
    sh("kill -" + signal + " " + pid);
  }

  private static void sh(String script) throws Exception {
    Process p = new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(script + ": " + out).isZero();
  }

  private static List<String> awaitLines(Path file, String last) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (Files.exists(file)) {
        List<String> lines = Files.readAllLines(file);
        if (!lines.isEmpty() && lines.get(lines.size() - 1).equals(last)) {
          return lines;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError(file + " did not end with " + last);
  }
}

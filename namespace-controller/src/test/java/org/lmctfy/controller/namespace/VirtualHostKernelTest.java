package org.lmctfy.controller.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.core.testing.Expect;
import org.lmctfy.core.testing.KernelFactories;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.core.testing.TestCgroupFactory;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.cgroup.CgroupLayout;

/** Virtual hosts on the real kernel (root only): the real core, the namespace bundle's factory, lmctfy-nsinit. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VirtualHostKernelTest {
  private static final RunSpec DETACHED = RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build();

  @TempDir Path tmp;
  private KernelRoot k;
  private VirtualHostFactory vhosts;
  private final List<Long> started = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    vhosts = new VirtualHostFactory();
    List<ResourceHandlerFactory> all = new ArrayList<>(KernelFactories.standard(CgroupLayout.detect()));
    all.add(vhosts);
    k = new KernelRoot(all.toArray(new ResourceHandlerFactory[0]));
    Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
  }

  @AfterEach
  void tearDown() throws Exception {
    for (long pid : started) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    if (k != null) {
      k.finish();
    }
  }

  /** Runs a shell script in the container, detached; waits (bounded) for the file it writes last. */
  private String runAndRead(Container c, String script, Path done) throws Exception {
    started.add(c.run(List.of("/bin/sh", "-c", script), DETACHED));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(done) || Files.size(done) == 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the command did not write " + done);
      }
      Thread.sleep(10);
    }
    Thread.sleep(20);
    return Files.readString(done).trim();
  }

  /** Gone, or a zombie its (re-)parent has yet to reap: the machine's init reaps orphans in its own time. */
  private static boolean deadOrZombie(long pid) throws Exception {
    try {
      return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
          .anyMatch(l -> l.startsWith("State:") && l.contains("Z"));
    } catch (java.nio.file.NoSuchFileException e) {
      return true;
    }
  }

  private static String nsOf(long pid, String type) throws Exception {
    return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + type)).toString();
  }

  @Test
  void aVirtualHostHasItsOwnPidIpcMountAndUtsNamespaces() throws Exception {
    Container vh = k.api.create("/vh", spec("virtual_host { virtual_hostname: \"web1\" }"));
    long init = vh.initPid();
    assertThat(init).isGreaterThan(1);
    String nspid = Files.readAllLines(Path.of("/proc/" + init + "/status")).stream()
        .filter(l -> l.startsWith("NSpid:")).findFirst().orElseThrow();
    String[] ids = nspid.split("\\s+");
    assertThat(ids[ids.length - 1]).isEqualTo("1");
    assertThat(vh.listProcesses(ListPolicy.SELF)).contains(init);
    for (String type : List.of("pid", "ipc", "mnt", "uts")) {
      assertThat(nsOf(init, type)).as(type).isNotEqualTo(nsOf(ProcessHandle.current().pid(), type));
    }
    // pid: the command sees the init as PID 1 and no process of the host; uts: the hostname.
    Path out = tmp.resolve("pid");
    String seen = runAndRead(vh, "cd /proc && echo \"$$ $(hostname) $(cat 1/cmdline | tr '\\0' ' ')"
        + " $(ls -d [0-9]* | wc -l)\" > " + out, out);
    String[] f = seen.split(" ");
    assertThat(Long.parseLong(f[0])).as("its pid inside").isLessThan(100);
    assertThat(f[1]).isEqualTo("web1");
    assertThat(f[2]).contains(VirtualHostHandler.INIT);
    assertThat(Integer.parseInt(f[f.length - 1])).as("processes it sees").isLessThan(10);
    // mnt: a tmpfs mounted inside is invisible outside.
    Path dir = Files.createDirectory(tmp.resolve("m"));
    Path mounted = tmp.resolve("mounted");
    assertThat(runAndRead(vh, "mount -t tmpfs tmpfs " + dir + " && echo in > " + dir + "/x && cat " + dir + "/x > "
        + mounted, mounted)).isEqualTo("in");
    assertThat(dir.resolve("x")).doesNotExist();
    // ipc: a SysV segment made inside (of an unusual size) is invisible outside.
    Path ipc = tmp.resolve("ipc");
    assertThat(runAndRead(vh, "ipcmk -M 123457 >/dev/null && ipcs -m | grep -c ' 123457 ' > " + ipc, ipc))
        .isEqualTo("1");
    Process ipcs = new ProcessBuilder("ipcs", "-m").redirectErrorStream(true).start();
    String outside = new String(ipcs.getInputStream().readAllBytes());
    assertThat(ipcs.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(outside).doesNotContain(" 123457 ");
    // Destroy ends the init and every process of the virtual host.
    k.api.destroy(vh);
    assertThat(deadOrZombie(init)).as("the init after destroy").isTrue();
    assertThat(k.leftovers()).isEmpty();
  }

  /** The lines of {@code file} once it has {@code n} of them (bounded). */
  private static List<String> awaitLines(Path file, int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
      if (lines.size() >= n) {
        return lines;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(file + " has " + lines);
      }
      Thread.sleep(10);
    }
  }

  private static String statusLine(long pid, String key) throws Exception {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith(key + ":"))
        .findFirst().orElseThrow().substring(key.length() + 1).strip();
  }

  /**
   * A run in the virtual host itself is started by its init (InitSpawn): the command is the init's child,
   * with this process's stdio under INHERIT, and the pid returned is the command's as this process sees it.
   * A subcontainer's run, and one whose spawn socket is gone, go through the exec helper (a relay outside
   * the pid namespace is the parent). Destroy removes the socket.
   */
  @Test
  void theInitStartsItsOwnContainersCommandsAndTheHelperTheRest() throws Exception {
    Container vh = k.api.create("/vh", spec("virtual_host {}"));
    long init = vh.initPid();
    Path socket = k.stateDir.resolve("spawn").resolve(k.root.substring(1).replace('/', ':')).resolve("vh.sock");
    assertThat(socket).exists();
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
        .as("root's only").endsWith("------");

    Path out = tmp.resolve("inherit");
    long pid = vh.run(List.of("/bin/sh", "-c", "x=$(readlink /proc/$$/fd/1); echo \"$x\" > " + out + "; grep PPid /proc/$$/status"
        + " >> " + out + "; echo $$ >> " + out + "; exec sleep 60"),
        RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.INHERIT).build());
    started.add(pid);
    List<String> lines = awaitLines(out, 3);
    assertThat(lines.get(0)).as("its stdout is this JVM's")
        .isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString());
    assertThat(lines.get(1)).as("its parent, inside: the init").matches("PPid:\\s+1");
    assertThat(statusLine(pid, "PPid")).as("its parent, seen from here").isEqualTo(Long.toString(init));
    assertThat(statusLine(pid, "NSpid")).as("the pid returned is the command's").isEqualTo(pid + "\t" + lines.get(2));
    assertThat(vh.listProcesses(ListPolicy.SELF)).contains(init, pid);

    Path detached = tmp.resolve("detached");
    long d = vh.run(List.of("/bin/sh", "-c", "x=$(readlink /proc/$$/fd/1); echo \"$x\" > " + detached + "; exec sleep 60"), DETACHED);
    started.add(d);
    assertThat(awaitLines(detached, 1)).containsExactly("/dev/null");
    assertThat(statusLine(d, "PPid")).isEqualTo(Long.toString(init));

    Container sub = k.api.create("/vh/sub", spec(""));
    Path inSub = tmp.resolve("sub");
    started.add(sub.run(List.of("/bin/sh", "-c", "grep PPid /proc/$$/status > " + inSub + "; exec sleep 60"),
        DETACHED));
    assertThat(awaitLines(inSub, 1)).as("a relay outside the pid namespace is its parent")
        .containsExactly("PPid:\t0");

    Files.delete(socket); // e.g. a state directory wiped under a running daemon: the exec helper still works
    Path helped = tmp.resolve("helped");
    started.add(vh.run(List.of("/bin/sh", "-c", "grep PPid /proc/$$/status > " + helped + "; exec sleep 60"),
        DETACHED));
    assertThat(awaitLines(helped, 1)).containsExactly("PPid:\t0");

    k.api.destroy(vh);
    assertThat(deadOrZombie(init)).isTrue();
    assertThat(k.leftovers()).isEmpty();
    Container again = k.api.create("/vh", spec("virtual_host {}"));
    assertThat(socket).as("a new virtual host of the name binds its own").exists();
    Path fresh = tmp.resolve("fresh");
    started.add(again.run(List.of("/bin/sh", "-c", "grep PPid /proc/$$/status > " + fresh + "; exec sleep 60"),
        DETACHED));
    assertThat(awaitLines(fresh, 1)).containsExactly("PPid:\t1");
    k.api.destroy(again);
    assertThat(socket).as("destroy removes the socket").doesNotExist();
  }

  @Test
  void theInitReapsOrphans() throws Exception {
    Container vh = k.api.create("/vh", spec("virtual_host {}"));
    Path out = tmp.resolve("orphan");
    runAndRead(vh, "(sleep 0.3 &); echo started > " + out, out);
    Thread.sleep(1500);
    for (long pid : vh.listProcesses(ListPolicy.SELF)) {
      String state = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
          .filter(l -> l.startsWith("State:")).findFirst().orElse("");
      assertThat(state).as("process %d", pid).doesNotContain("zombie");
    }
    assertThat(vh.listProcesses(ListPolicy.SELF)).containsExactly(vh.initPid());
  }

  @Test
  void badSpecsGetPreciseCodes() throws Exception {
    k.api.create("/vh", spec("virtual_host {}"));
    Expect.code(() -> k.api.create("/vh/nested", spec("virtual_host {}")), StatusCode.UNIMPLEMENTED, "nested");
    Expect.code(() -> k.api.create("/long", spec("virtual_host { virtual_hostname: \"" + "h".repeat(65) + "\" }")),
        StatusCode.INVALID_ARGUMENT, "virtual_hostname");
    Expect.code(() -> k.api.create("/nul", spec("virtual_host { virtual_hostname: \"a\\000b\" }")),
        StatusCode.INVALID_ARGUMENT, "NUL");
    Expect.code(() -> k.api.get("/vh").update(spec("virtual_host { virtual_hostname: \"x\" }"), UpdatePolicy.DIFF),
        StatusCode.UNIMPLEMENTED, "virtual_host");
    // A host process cannot be entered into a virtual host (it would stay outside its namespaces).
    Process p = new ProcessBuilder("sleep", "30").start();
    try {
      Expect.code(() -> k.api.get("/vh").enter(List.of(p.pid())), StatusCode.FAILED_PRECONDITION, "outside");
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(k.leftovers()).allMatch(d -> d.getFileName().toString().equals("vh") // or its process leaf
        || org.lmctfy.spi.cgroup.ProcessLeaf.isLeaf(d) && d.getParent().getFileName().toString().equals("vh"));
  }

  /** Hot-swap: while the bundle is away nothing starts in a virtual host; back, it finds the running init. */
  @Test
  void withoutTheBundleNothingStartsAndItsReturnFindsTheInit() throws Exception {
    Container vh = k.api.create("/vh", spec("virtual_host { virtual_hostname: \"web1\" }"));
    long init = vh.initPid();
    k.factories.remove(vhosts);
    List<Long> before = vh.listProcesses(ListPolicy.SELF);
    assertThatThrownBy(() -> vh.run(List.of("/bin/true"), DETACHED)).isInstanceOfSatisfying(ContainerException.class,
        e -> {
          assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
          assertThat(e.getMessage()).contains("virtualhost");
        });
    assertThat(vh.listProcesses(ListPolicy.SELF)).isEqualTo(before);
    assertThat(deadOrZombie(init)).isFalse();
    k.factories.add(new VirtualHostFactory()); // a new instance, as after an update of the bundle
    assertThat(vh.initPid()).isEqualTo(init);
    Path out = tmp.resolve("back");
    assertThat(runAndRead(vh, "hostname > " + out, out)).isEqualTo("web1");
  }
}

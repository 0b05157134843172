package org.lmctfy.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.lmctfy.itests.InFramework.DETACHED;
import static org.lmctfy.itests.InFramework.NAMESPACE;
import static org.lmctfy.itests.InFramework.alive;
import static org.lmctfy.itests.InFramework.api;
import static org.lmctfy.itests.InFramework.await;
import static org.lmctfy.itests.InFramework.bundle;
import static org.lmctfy.itests.InFramework.context;
import static org.lmctfy.itests.InFramework.dirs;
import static org.lmctfy.itests.InFramework.factoryActive;
import static org.lmctfy.itests.InFramework.jar;
import static org.lmctfy.itests.InFramework.newerBuild;
import static org.lmctfy.itests.InFramework.refresh;
import static org.lmctfy.itests.InFramework.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Assume;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.ContainerSpec;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * Hot-swap of the namespace bundle (virtual hosts) in a real Felix with the real bundles on the real kernel.
 * Stricter than the cgroup controllers' swaps because namespaces are a security boundary: while the bundle is
 * stopped, updated or uninstalled, a virtual host and its processes live on untouched, and nothing is started in
 * it or entered into it (UNAVAILABLE naming {@code virtualhost}, never a process outside its namespaces); back,
 * the bundle finds the running init in the kernel and commands join its namespaces again.
 * ({@code Container.exec} is not exercised: it replaces the calling process, here the framework's JVM. It asks
 * the same {@code ProcessShaping.namespaces} as {@code run} before it touches anything.)
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class VirtualHostSwapIT {
  private static final String RESOURCE = "virtualhost";
  private static final String ARTIFACT = "namespace-controller";
  private static final String HOSTNAME = "swap1";

  /** Files the tests' commands write (outside the cgroup tree; visible in the virtual host's mount namespace). */
  private Path out;
  /** Processes this test started outside any container, killed in {@link #tearDown()}. */
  private final List<Process> outside = new ArrayList<>();
  /** Pids this test's containers held (init and commands), killed in {@link #tearDown()} if a destroy failed. */
  private final List<Long> inside = Collections.synchronizedList(new ArrayList<>());

  @Configuration
  public Option[] config() {
    return InFramework.config();
  }

  @Before
  public void setUp() throws Exception {
    Assume.assumeTrue("kernel tests need root", InFramework.root());
    Assume.assumeTrue("this kernel has no pid or mount namespaces (/proc/self/ns)",
        Files.exists(Path.of("/proc/self/ns/pid")) && Files.exists(Path.of("/proc/self/ns/mnt")));
    InFramework.init();
    out = Files.createDirectories(InFramework.bundleDir().resolveSibling("vhswap-"
        + UUID.randomUUID().toString().substring(0, 8)));
  }

  @After
  public void tearDown() throws Exception {
    if (!InFramework.root()) {
      return;
    }
    try {
      ensureActive(); // whatever a test did, the bundle is back for the next one
      InFramework.cleanUp();
    } finally {
      for (Process p : outside) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      // Only if a destroy failed: the processes of this test's containers, recognised by the test's cgroup root.
      for (long pid : new ArrayList<>(inside)) {
        if (alive(pid) && inTestRoot(pid)) {
          ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
      if (out != null) {
        try (Stream<Path> s = Files.walk(out)) {
          for (Path p : s.sorted(Collections.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  private static boolean inTestRoot(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/cgroup")).contains(InFramework.cgroupRoot() + "/");
    } catch (IOException e) {
      return false;
    }
  }

  private static Bundle installed() {
    for (Bundle b : context().getBundles()) {
      if (NAMESPACE.equals(b.getSymbolicName())) {
        return b;
      }
    }
    return null;
  }

  private static Bundle ensureActive() throws Exception {
    Bundle b = installed();
    if (b == null) {
      b = context().installBundle(jar(ARTIFACT));
    }
    if (b.getState() != Bundle.ACTIVE) {
      b.start();
    }
    await(RESOURCE + " factory", 10_000, () -> factoryActive(RESOURCE));
    return b;
  }

  /** A version above the bundle's: the "newer build" an operator drops in. */
  private static String newer(Bundle b) {
    org.osgi.framework.Version v = b.getVersion();
    return new org.osgi.framework.Version(v.getMajor(), v.getMinor(), v.getMicro() + 1).toString();
  }

  private static ContainerException failure(Call call) {
    try {
      call.run();
    } catch (ContainerException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a ContainerException");
  }

  interface Call {
    void run() throws Exception;
  }

  private static void assertUnavailableNamingVirtualHost(String what, Call call) {
    ContainerException x = failure(call);
    assertEquals(what + ": " + x.getMessage(), StatusCode.UNAVAILABLE, x.code());
    assertTrue(what + ": " + x.getMessage(), x.getMessage().contains(RESOURCE));
  }

  private static String ns(long pid, String type) throws IOException {
    return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + type)).toString();
  }

  /** The pids of {@code /proc/<pid>/status}'s NSpid line, outermost namespace first. */
  private static String[] nspid(long pid) throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (l.startsWith("NSpid:")) {
        return l.substring("NSpid:".length()).trim().split("\\s+");
      }
    }
    throw new AssertionError("no NSpid in /proc/" + pid + "/status");
  }

  /** A shell's view from inside: its own pid there, the hostname, its pid namespace. */
  private static String probeScript(Path file) {
    return "echo \"$$ $(hostname) $(readlink /proc/self/ns/pid)\" > " + file + ".tmp && mv " + file + ".tmp " + file;
  }

  /** Runs a probe in {@code c}; waits (bounded) for what it writes. */
  private String[] probe(Container c, String tag) throws Exception {
    Path file = out.resolve(tag);
    long pid = c.run(List.of("/bin/sh", "-c", probeScript(file)), DETACHED);
    inside.add(pid);
    await(tag + " written by pid " + pid, 30_000, () -> Files.exists(file));
    String[] f = Files.readString(file).trim().split(" ");
    assertEquals(tag + ": " + String.join(" ", f), 3, f.length);
    assertNotEquals(tag + ": the pid inside is not the host's", Long.toString(pid), f[0]);
    return f;
  }

  /** Every pid whose command line contains {@code marker}, anywhere on the machine. */
  private static List<Long> processesNaming(String marker) throws IOException {
    List<Long> found = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        if (!n.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
          if (cmd.contains(marker)) {
            found.add(Long.parseLong(n));
          }
        } catch (IOException e) {
          // exited meanwhile
        }
      }
    }
    return found;
  }

  /** The processes left once the runs' short commands end: the init and the long-lived commands. */
  private static void awaitSettled(Container vh, List<Long> expected) throws Exception {
    await("only " + expected + " left in " + vh.name(), 10_000, () -> {
      List<Long> now = new ArrayList<>(vh.listProcesses(ListPolicy.SELF));
      Collections.sort(now);
      return now.equals(expected);
    });
  }

  @Test
  public void stoppedUpdatedAndReinstalledUnderALiveVirtualHost() throws Exception {
    ContainerApi api = api();
    Container vh = api.create("/vh", spec("virtual_host { virtual_hostname: \"" + HOSTNAME + "\" }"));
    long init = vh.initPid();
    inside.add(init);
    String[] initNs = nspid(init);
    assertEquals("the init is PID 1 of its own pid namespace", "1", initNs[initNs.length - 1]);
    String initPidNs = ns(init, "pid");
    assertNotEquals(ns(ProcessHandle.current().pid(), "pid"), initPidNs);
    long sleeper = vh.run(List.of("/bin/sleep", "300"), DETACHED);
    inside.add(sleeper);
    await("sleep in the virtual host's pid namespace", 10_000,
        () -> alive(sleeper) && initPidNs.equals(ns(sleeper, "pid")));
    assertEquals("sleep: a pid in the host's and one in the virtual host's", 2, nspid(sleeper).length);
    // A subcontainer of the virtual host: its processes get the virtual host's namespaces (the nearest container
    // isolating the resource answers), so the swap must stop them too.
    Container sub = api.create("/vh/sub", spec(""));
    assertEquals("the subcontainer's command in the virtual host", initPidNs, probe(sub, "sub-before")[2]);
    await("the subcontainer's command ended", 10_000, () -> sub.listProcesses(ListPolicy.SELF).isEmpty());
    // A second virtual host, destroyed while the bundle is away (destroy needs no controller).
    Container other = api.create("/other", spec("virtual_host { }"));
    long otherInit = other.initPid();
    inside.add(otherInit);
    ContainerSpec specBefore = vh.spec();
    assertEquals(HOSTNAME, specBefore.getVirtualHost().getVirtualHostname());
    // A run in the virtual host itself is started by its init (core InitSpawn): the init is the sleep's parent.
    assertEquals("the sleep is the init's child", init,
        (long) ProcessHandle.of(sleeper).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElseThrow());
    List<Long> settled = new ArrayList<>(List.of(init, sleeper));
    Collections.sort(settled);
    awaitSettled(vh, settled);
    // A host process: enter would have to move it into a virtual host without its namespaces.
    Process host = new ProcessBuilder("/bin/sleep", "300").start();
    outside.add(host);
    String hostCgroups = Files.readString(Path.of("/proc/" + host.pid() + "/cgroup"));
    assertEquals(StatusCode.FAILED_PRECONDITION, failure(() -> vh.enter(List.of(host.pid()))).code());

    List<String> timings = new ArrayList<>();
    for (String swap : List.of("stop", "update", "uninstall")) {
      String marker = out.resolve("escaped-" + swap).toString();
      Bundle b = bundle(NAMESPACE);
      switch (swap) {
        case "stop", "update" -> b.stop(); // the update itself happens below, while the bundle is away
        default -> {
          b.uninstall();
          refresh();
        }
      }
      assertFalse(swap, factoryActive(RESOURCE));

      // Away: the virtual host and its processes live on, untouched.
      assertTrue(swap + ": init and sleep alive", alive(init) && alive(sleeper));
      assertEquals(swap, initPidNs, ns(init, "pid"));
      assertEquals(swap, initPidNs, ns(sleeper, "pid"));
      // Nothing starts: not in the virtual host, and above all not outside its namespaces.
      assertUnavailableNamingVirtualHost(swap + ": run", () -> vh.run(List.of("/bin/sh", "-c",
          "echo escaped > " + marker), DETACHED));
      assertUnavailableNamingVirtualHost(swap + ": run of a detached sleep", () -> vh.run(List.of("/bin/sleep",
          "301"), DETACHED));
      // Nothing enters: a thread of the host's, nor one already inside.
      assertUnavailableNamingVirtualHost(swap + ": enter of a host process", () -> vh.enter(List.of(host.pid())));
      assertUnavailableNamingVirtualHost(swap + ": enter of the sleep", () -> vh.enter(List.of(sleeper)));
      assertEquals(swap + ": the host process was not moved", hostCgroups,
          Files.readString(Path.of("/proc/" + host.pid() + "/cgroup")));
      // Observed: initPid asks the absent bundle (the init is its to find): UNAVAILABLE too.
      assertUnavailableNamingVirtualHost(swap + ": initPid", vh::initPid);
      // spec and stats answer, naming the absent resource instead of its part.
      ContainerSpec s = vh.spec();
      assertTrue(swap + ": " + s, s.getUnavailableResourcesList().contains(RESOURCE));
      assertFalse(swap + ": " + s, s.hasVirtualHost());
      assertTrue(swap, vh.stats(StatsType.SUMMARY).getUnavailableResourcesList().contains(RESOURCE));
      assertTrue(swap, api.get("/").listSubcontainers(ListPolicy.SELF).stream().anyMatch(c -> c.name().equals("/vh")));
      assertUnavailableNamingVirtualHost(swap + ": run in the subcontainer", () -> sub.run(List.of("/bin/sh", "-c",
          "echo escaped > " + marker + "-sub"), DETACHED));
      // A new virtual host cannot be made (lmctfy's API table names the resource of virtual_host).
      assertUnavailableNamingVirtualHost(swap + ": create", () -> api.create("/vh2",
          spec("virtual_host { virtual_hostname: \"late\" }")));
      assertTrue(swap + ": nothing of /vh2", dirs("/vh2").isEmpty());
      List<Long> now = new ArrayList<>(vh.listProcesses(ListPolicy.SELF));
      Collections.sort(now);
      assertEquals(swap + ": the same processes in the container, no new one", settled, now);
      assertEquals(swap + ": nor in the subcontainer", List.of(), sub.listProcesses(ListPolicy.SELF));
      assertEquals(swap + ": no process of the refused commands anywhere", List.of(), processesNaming(marker));
      if (swap.equals("stop")) {
        // Observed: destroy of another virtual host works without the bundle: its init and cgroups go.
        api.destroy(other);
        await("the other virtual host's init gone", 10_000, () -> !alive(otherInit));
        assertTrue(dirs("/other").toString(), dirs("/other").isEmpty());
      }

      // Back.
      long returning = System.nanoTime();
      long backAt;
      switch (swap) {
        case "stop" -> {
          b.start();
          backAt = System.nanoTime();
        }
        case "update" -> {
          String version = newer(b);
          b.update(newerBuild(jar(ARTIFACT), version));
          refresh(b);
          b.start(); // an update of a stopped bundle leaves it stopped
          backAt = System.nanoTime();
          assertEquals(version, bundle(NAMESPACE).getVersion().toString());
        }
        default -> {
          assertTrue(installed() == null);
          context().installBundle(jar(ARTIFACT)).start();
          backAt = System.nanoTime();
        }
      }
      await(RESOURCE + " back after " + swap, 10_000, () -> factoryActive(RESOURCE));
      long factoryAt = System.nanoTime();
      // It attaches to the running init, found in the kernel and the record.
      assertEquals(swap, init, vh.initPid());
      assertEquals(swap, specBefore, vh.spec());
      assertTrue(swap, vh.stats(StatsType.SUMMARY).getUnavailableResourcesList().isEmpty());
      String[] seen = probe(vh, "back-" + swap);
      long ranAt = System.nanoTime();
      assertEquals(swap + ": hostname inside", HOSTNAME, seen[1]);
      assertEquals(swap + ": pid namespace inside", initPidNs, seen[2]);
      assertTrue(swap + ": a pid of the virtual host's (" + seen[0] + ")", Long.parseLong(seen[0]) < 1000);
      String[] subSeen = probe(sub, "sub-back-" + swap);
      assertEquals(swap + ": the subcontainer's command", HOSTNAME + " " + initPidNs, subSeen[1] + " " + subSeen[2]);
      await(swap + ": the subcontainer's command ended", 10_000, () -> sub.listProcesses(ListPolicy.SELF).isEmpty());
      // A long-lived command: born in the init's namespaces (a pid in the host's and one in the init's).
      long late = vh.run(List.of("/bin/sleep", "300"), DETACHED);
      inside.add(late);
      await(swap + ": late sleep in the pid namespace", 10_000, () -> alive(late) && initPidNs.equals(ns(late, "pid")));
      assertEquals(swap, 2, nspid(late).length);
      assertEquals(swap, ns(init, "uts"), ns(late, "uts"));
      assertEquals(swap, ns(init, "mnt"), ns(late, "mnt"));
      assertEquals(swap, ns(init, "ipc"), ns(late, "ipc"));
      // enter works again: a thread already inside may be entered; a host one is refused as before.
      vh.enter(List.of(sleeper));
      assertEquals(swap, StatusCode.FAILED_PRECONDITION, failure(() -> vh.enter(List.of(host.pid()))).code());
      assertEquals(swap + ": the late sleep is the init's child", init,
          (long) ProcessHandle.of(late).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElseThrow());
      settled.add(late);
      Collections.sort(settled);
      awaitSettled(vh, settled);
      timings.add(String.format("%s: bundle back (start, update+refresh+start, install+start) in %.1f ms, factory"
          + " registered %.1f ms later, initPid+spec+stats+first run seen inside %.1f ms later", swap,
          (backAt - returning) / 1e6, (factoryAt - backAt) / 1e6, (ranAt - factoryAt) / 1e6));
    }
    System.out.println("virtual host swaps: " + timings);

    // Destroy leaves nothing: the init (and with it the pid namespace) and every process gone, no cgroup.
    api.destroy(vh);
    await("the virtual host's processes gone", 10_000, () -> settled.stream().noneMatch(InFramework::alive));
    assertTrue(dirs("/vh").toString(), dirs("/vh").isEmpty() && dirs("/vh/sub").isEmpty());
    assertEquals(List.of(), InFramework.leftovers());
    for (String swap : List.of("stop", "update", "uninstall")) {
      assertFalse("never ran: the command refused during " + swap, Files.exists(out.resolve("escaped-" + swap)));
      assertFalse("never ran: the subcontainer's command refused during " + swap,
          Files.exists(out.resolve("escaped-" + swap + "-sub")));
    }
  }

  /**
   * Runs into a virtual host while its bundle is stopped and started, updated while active, uninstalled and
   * reinstalled, over and over: every run either starts in the virtual host's namespaces or is refused
   * UNAVAILABLE naming {@code virtualhost}; a refused command never runs anywhere.
   */
  @Test
  public void runsDuringSwapsStartInsideOrAreRefused() throws Exception {
    ContainerApi api = api();
    Container vh = api.create("/vh", spec("virtual_host { virtual_hostname: \"" + HOSTNAME + "\" }"));
    long init = vh.initPid();
    inside.add(init);
    String initPidNs = ns(init, "pid");
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger refusedCount = new AtomicInteger();
    List<Integer> started = Collections.synchronizedList(new ArrayList<>());
    List<Integer> refused = Collections.synchronizedList(new ArrayList<>());
    ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
    Thread runner = new Thread(() -> {
      for (int n = 0; !stop.get(); n++) {
        Path file = out.resolve("r" + n);
        try {
          long pid = vh.run(List.of("/bin/sh", "-c", probeScript(file)), DETACHED);
          inside.add(pid);
          started.add(n);
          // One at a time: its file before the next run (bounded), so that processes do not pile up; checked
          // at once, so that an escape stops the swaps with its evidence.
          await("r" + n + " written", 30_000, () -> Files.exists(file));
          String[] f = Files.readString(file).trim().split(" ");
          if (f.length != 3 || !f[1].equals(HOSTNAME) || !f[2].equals(initPidNs)) {
            unexpected.add("r" + n + " (pid " + pid + ") ran outside the virtual host: " + String.join(" ", f));
          }
        } catch (ContainerException e) {
          if (e.code() == StatusCode.UNAVAILABLE && e.getMessage().contains(RESOURCE)) {
            refused.add(n);
            refusedCount.incrementAndGet();
          } else {
            unexpected.add(e.code() + ": " + e.getMessage());
          }
        } catch (Exception | AssertionError e) {
          unexpected.add(e.toString());
        }
      }
    }, "vhswap-runner");
    List<String> swaps = new ArrayList<>();
    long t0 = System.nanoTime();
    runner.start();
    try {
      for (int i = 0; i < 9; i++) {
        Bundle b = bundle(NAMESPACE);
        int before = refusedCount.get();
        switch (i % 3) {
          case 0 -> {
            b.stop();
            await("a run refused while stopped", 5_000, () -> refusedCount.get() > before || !unexpected.isEmpty());
            b.start();
            swaps.add("stop/start");
          }
          case 1 -> {
            b.update(newerBuild(jar(ARTIFACT), newer(b)));
            refresh(b);
            swaps.add("update");
          }
          default -> {
            b.uninstall();
            refresh();
            await("a run refused while uninstalled", 5_000,
                () -> refusedCount.get() > before || !unexpected.isEmpty());
            context().installBundle(jar(ARTIFACT)).start();
            swaps.add("reinstall");
          }
        }
        await(RESOURCE + " back", 10_000, () -> factoryActive(RESOURCE));
        int startedBefore = started.size();
        await("runs started after the swap", 10_000, () -> started.size() >= startedBefore + 3 || !unexpected.isEmpty());
      }
    } finally {
      stop.set(true);
      runner.join(60_000);
    }
    assertFalse("the runner ended", runner.isAlive());
    long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
    assertTrue("runs either start inside or fail UNAVAILABLE naming " + RESOURCE + ": " + unexpected,
        unexpected.isEmpty());
    assertEquals("the same init throughout", init, vh.initPid());
    // Every run that started ran inside: the virtual host's hostname and pid namespace.
    for (int n : new ArrayList<>(started)) {
      Path file = out.resolve("r" + n);
      String[] f = Files.readString(file).trim().split(" ");
      assertEquals(file + ": " + String.join(" ", f), 3, f.length);
      assertEquals(file.toString(), HOSTNAME, f[1]);
      assertEquals(file.toString(), initPidNs, f[2]);
    }
    // Every refused run never ran: the started ones' files are all there, theirs are not, and no process of
    // this test's commands is left anywhere but the init.
    awaitSettled(vh, List.of(init));
    for (int n : new ArrayList<>(refused)) {
      assertFalse("refused run r" + n + " ran", Files.exists(out.resolve("r" + n)));
    }
    assertEquals(List.of(), processesNaming(out.toString()));
    assertTrue("runs were refused during the swaps", !refused.isEmpty());
    String line = String.format("virtual host: %d runs during %d swaps of the namespace bundle in %d ms: %d started"
        + " inside, %d UNAVAILABLE, 0 other (%s)", started.size() + refused.size(), swaps.size(), elapsedMs,
        started.size(), refused.size(), swaps);
    System.out.println(line);
    api.destroy(vh);
    await("the init gone", 10_000, () -> !alive(init));
    assertEquals(List.of(), InFramework.leftovers());
  }
}

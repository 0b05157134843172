package org.lmctfy.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.lmctfy.core.testing.KernelRoot;

/**
 * The real bin/lmctfy of the built distribution, on the real kernel under a test root: every scenario runs
 * embedded (framework booted by the CLI) and through a running bin/lmctfyd, with the same expectations.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CliKernelIT {
  enum Mode { EMBEDDED, DAEMON }

  private static Dist dist;
  private KernelRoot k;
  private Mode mode;
  private Path socket;
  private Process daemon;

  @BeforeAll
  static void copyDistribution() throws Exception {
    KernelRoot.assumeKernel();
    dist = Dist.copy();
  }

  @AfterAll
  static void removeDistribution() throws Exception {
    if (dist != null) {
      dist.close();
    }
  }

  private void setUp(Mode m) throws Exception {
    KernelRoot.assumeKernel();
    mode = m;
    k = new KernelRoot(); // the root and its cleanup; the CLI composes its own resources
    if (m == Mode.DAEMON) {
      socket = dist.home.resolve("lmctfy-" + k.root.substring(1) + ".sock");
      daemon = dist.startDaemon("--socket", socket.toString(), "--cgroup-root", k.root, "--state-dir",
          k.stateDir.toString());
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (daemon != null) {
        assertThat(Dist.stop(daemon)).isEqualTo(143); // SIGTERM, after a graceful stop
        assertThat(socket).doesNotExist();
      }
    } finally {
      if (k != null) {
        k.finish();
      }
    }
  }

  private Dist.Result lmctfyIn(String stdin, String... args) throws Exception {
    List<String> argv = new ArrayList<>();
    if (mode == Mode.DAEMON) {
      argv.addAll(List.of("--socket", socket.toString()));
    } else {
      argv.addAll(List.of("--embedded", "--cgroup-root", k.root, "--state-dir", k.stateDir.toString()));
    }
    argv.addAll(List.of(args));
    return dist.run(List.of(), stdin, argv.toArray(new String[0]));
  }

  private Dist.Result lmctfy(String... args) throws Exception {
    return lmctfyIn(null, args);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aContainersLife(Mode m) throws Exception {
    setUp(m);
    // 1000 milli-CPUs read back exactly on v1 (1024 shares) and cgroup2 (weight 100).
    Dist.Result r = lmctfy("create", "/web", "cpu { limit: 1000 } memory { limit: 104857600 }");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(lmctfy("create", "/web/worker", "memory { limit: 50000000 }").code()).isZero();
    assertThat(lmctfy("list", "containers", "-r", "/").out()).isEqualTo("name=\"/web\"\nname=\"/web/worker\"\n");
    assertThat(lmctfy("-v", "list", "containers", "/").out()).isEqualTo("/web\n");
    assertThat(lmctfy("spec", "/web").out()).contains("limit: 1000").contains("limit: 104857600");
    assertThat(lmctfy("stats", "summary", "/web").out()).contains("memory {").contains("usage");
    assertThat(lmctfy("stats", "full", "/web").out()).contains("throttling_data");

    r = lmctfy("run", "-n", "/web/worker", "sleep 60");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).matches("pid=\"\\d+\"\\n");
    String pid = r.out().replaceAll("\\D", "");
    assertThat(lmctfy("list", "pids", "/web/worker").out()).contains("pid=\"" + pid + "\"");
    assertThat(lmctfy("detect", pid).out()).isEqualTo("name=\"/web/worker\"\n");
    // Foreground run: the CLI process itself becomes the command, inside the container.
    r = lmctfy("run", "/web/worker", "/bin/cat", "/proc/self/cgroup");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains(k.root + "/web/worker");
    String pids = lmctfy("list", "pids", "/web/worker").out();
    assertThat(lmctfy("pause", "/web").code()).isZero();
    assertThat(lmctfy("stats", "summary", "/web").out()).contains("freezer_state: \"FROZEN\"");
    for (String[] run : List.of(new String[] {"run", "-n", "/web/worker", "/bin/true"},
        new String[] {"run", "/web/worker", "/bin/true"})) {
      long t0 = System.nanoTime();
      r = lmctfy(run);
      assertThat(r.code()).as(r.err()).isEqualTo(9); // not a process frozen before its first instruction
      assertThat(r.err()).startsWith("FAILED_PRECONDITION: ").contains("paused");
      assertThat(System.nanoTime() - t0).as("refused at once").isLessThan(TimeUnit.SECONDS.toNanos(8));
    }
    assertThat(lmctfy("list", "pids", "/web/worker").out()).as("nothing entered").isEqualTo(pids);
    assertThat(lmctfy("resume", "/web").code()).isZero();
    assertThat(lmctfy("stats", "summary", "/web").out()).contains("freezer_state: \"THAWED\"");

    r = lmctfy("update", "diff", "/web", "memory { limit: 209715200 }");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(lmctfy("spec", "/web").out()).contains("limit: 209715200");
    r = lmctfy("update", "replace", "/web", "memory { limit: 1 }");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).startsWith("INVALID_ARGUMENT: ").contains("[cpu]");

    r = lmctfy("destroy", "/web");
    assertThat(r.code()).isEqualTo(9);
    assertThat(r.err()).startsWith("FAILED_PRECONDITION: ").contains("-f");
    assertThat(lmctfy("killall", "-r", "/web").code()).isZero();
    assertThat(lmctfy("list", "pids", "-r", "/web").out()).isEmpty();
    assertThat(lmctfy("destroy", "-f", "/web").code()).isZero();
    r = lmctfy("destroy", "/web");
    assertThat(r.code()).isEqualTo(5);
    assertThat(r.err()).isEqualTo("NOT_FOUND: Container /web does not exist\n");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void specsFromStdinFilesAndJson(Mode m) throws Exception {
    setUp(m);
    Dist.Result r = lmctfyIn("memory { limit: 100000000 }", "create", "-c", "-", "/fromstdin");
    assertThat(r.code()).as(r.err()).isZero();
    Path file = Files.createTempFile("spec", ".txt");
    Files.writeString(file, "cpu { limit: 250 }");
    r = lmctfy("create", "-c", file.toString(), "/fromfile");
    Files.delete(file);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(lmctfy("create", "-c", "/no/such/file", "/x").code()).isEqualTo(5);
    assertThat(lmctfy("create", "-c", "-", "/x", "cpu {}").code()).isEqualTo(3);

    r = lmctfy("create", "/j", "{\"cpu\": {\"limit\": \"1000\"}, \"memory\": {\"limit\": 104857600}}");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(lmctfy("--output=json", "list", "containers", "/").out())
        .contains("{\"name\":\"/j\"}\n").contains("{\"name\":\"/fromfile\"}\n");
    assertThat(lmctfy("--output=json", "spec", "/j").out()).contains("\"limit\": \"1000\"")
        .contains("\"limit\": \"104857600\"");
    assertThat(lmctfy("--output=json", "stats", "summary", "/j").out()).contains("\"memory\": {");
    r = lmctfy("create", "/k", "{\"cpu\": {\"limt\": 5}}");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).startsWith("INVALID_ARGUMENT: Cannot parse the JSON ContainerSpec");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void badInputGetsItsStatusCodeAndNoStackTrace(Mode m) throws Exception {
    setUp(m);
    Dist.Result r = lmctfy("create", "/bad", "cpu { limt: 5 }");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).startsWith("INVALID_ARGUMENT: ").doesNotContain("\tat ");
    assertThat(lmctfy("create", "/bad name", "cpu {}").code()).isEqualTo(3);
    assertThat(lmctfy("create", "/x", "network {}").code()).isEqualTo(14);
    assertThat(lmctfy("run", "/nope", "/bin/true").code()).isEqualTo(5);
    r = lmctfy("run", "-n", "/", "/no/such/binary");
    assertThat(r.code()).as(r.err()).isEqualTo(5);
    assertThat(lmctfy("--output=yaml", "version").code()).isEqualTo(3);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void notifyWaitsForTheFirstEvent(Mode m) throws Exception {
    setUp(m);
    assertThat(lmctfy("create", "/n", "memory { limit: 104857600 }").code()).isZero();
    Dist.Result r = lmctfy("run", "-n", "/n", "sleep 2");
    assertThat(r.code()).isZero();
    Dist.Result empty = lmctfy("notify", "container", "empty", "/n");
    assertThat(empty.code()).as(empty.err()).isZero();
    assertThat(empty.out()).isEqualTo("notification_status=\"0\"\n");
    // Already empty: reported at once, nobody waits forever.
    empty = lmctfy("notify", "container", "empty", "/n");
    assertThat(empty.code()).as(empty.err()).isZero();
  }

  /** What needs no kernel: help, version, completion, unknown commands (lmctfy's exit code 5). */
  @Test
  void helpVersionAndUnknownCommands() throws Exception {
    Dist.Result r = dist.run(List.of(), null, "--embedded", "no-such-command");
    assertThat(r.code()).isEqualTo(5);
    assertThat(r.err()).startsWith("NOT_FOUND: ");
    assertThat(dist.run(List.of(), null, "create").code()).isEqualTo(3);
    assertThat(dist.run(List.of(), null, "-V").out()).isEqualTo("lmctfy version 0.2.0-SNAPSHOT\n");
    assertThat(dist.run(List.of(), null, "--embedded", "version").out()).isEqualTo("version=\"0.2.0-SNAPSHOT\"\n");
    assertThat(dist.run(List.of(), null, "help").code()).isZero();
    Dist.Result help = dist.run(List.of(), null, "create", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Usage: lmctfy create").contains("Example: lmctfy create");
    assertThat(dist.run(List.of(), null, "list", "pids", "-h").out()).contains("Example: lmctfy list pids");
    assertThat(dist.run(List.of(), null, "completion").out()).contains("complete -F").contains("_picocli_lmctfy");
    assertThat(dist.run(List.of(), null, "--embedded", "-l", "version").out())
        .isEqualTo(String.format("%-20s | %s%n%n", "version", "0.2.0-SNAPSHOT"));
  }

  /** Issue 12: a virtual host from the command line, embedded and through lmctfyd. */
  @ParameterizedTest
  @EnumSource(Mode.class)
  void aVirtualHost(Mode m) throws Exception {
    setUp(m);
    Dist.Result r = lmctfy("create", "/vh", "virtual_host { virtual_hostname: \"web1\" }");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).matches("init_pid=\"\\d+\"\\n");
    String init = r.out().replaceAll("\\D", "");
    assertThat(lmctfy("list", "pids", "/vh").out()).contains("pid=\"" + init + "\"");
    // Foreground, embedded or through lmctfyd (whose held helper joins the namespaces before it is placed).
    r = lmctfy("run", "/vh", "ps ax");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("    1 ").contains("lmctfy-nsinit").doesNotContain("java");
    r = lmctfy("run", "/vh", "hostname");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("web1\n");
    r = lmctfy("run", "/vh", "exit 7");
    assertThat(r.code()).as("the command's exit status").isEqualTo(7);
    Path out = Files.createTempFile(dist.home.resolve("tmp"), "vh", ".out");
    r = lmctfy("run", "-n", "/vh", "hostname > " + out + "; echo $$ >> " + out);
    assertThat(r.code()).as(r.err()).isZero();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (Files.readString(out).split("\n").length < 2 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    String[] lines = Files.readString(out).split("\n");
    assertThat(lines[0]).isEqualTo("web1");
    assertThat(Long.parseLong(lines[1])).as("its pid inside").isLessThan(100);
    r = lmctfy("create", "/vh/nested", "virtual_host {}");
    assertThat(r.code()).isEqualTo(12);
    assertThat(r.err()).startsWith("UNIMPLEMENTED: ").contains("top-level");
    assertThat(lmctfy("destroy", "-f", "/vh").code()).isZero();
    assertThat(lmctfy("list", "containers", "/").out()).isEmpty();
  }

  /** Issue 13: a directory turned into a small machine (hostname, own network, rootfs, a read-only mount). */
  @ParameterizedTest
  @EnumSource(Mode.class)
  void aVirtualHostMachineWithItsOwnRootfs(Mode m) throws Exception {
    Path busybox = Path.of("/bin/busybox");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(busybox), "needs Debian's busybox-static");
    setUp(m);
    Path rootfs = Files.createTempDirectory(dist.home.resolve("tmp"), "rootfs");
    Files.createDirectories(rootfs.resolve("bin"));
    Files.copy(busybox, rootfs.resolve("bin/busybox"));
    for (String applet : List.of("sh", "ls", "hostname", "ip", "ps", "touch", "cat")) {
      Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
    }
    Path shared = Files.createTempDirectory(dist.home.resolve("tmp"), "shared");
    Files.writeString(shared.resolve("motd"), "hello from the host\n");
    Dist.Result r = lmctfy("create", "/box", "virtual_host { virtual_hostname: \"box1\" network { } }"
        + " filesystem { rootfs: \"" + rootfs + "\" mounts { mount { source: \"" + shared
        + "\" target: \"/srv\" read_only: true } } }");
    assertThat(r.code()).as(r.err()).isZero();
    r = lmctfy("run", "/box", "ls /");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().split("\\s+")).contains("bin", "dev", "proc", "srv", "sys").doesNotContain("usr", "etc");
    r = lmctfy("run", "/box", "hostname; cat /srv/motd; ip -o link | wc -l; ps ax | wc -l");
    assertThat(r.code()).as(r.err()).isZero();
    String[] lines = r.out().split("\n");
    assertThat(lines[0]).isEqualTo("box1");
    assertThat(lines[1]).isEqualTo("hello from the host");
    assertThat(lines[2].trim()).as("links: only lo").isEqualTo("1");
    assertThat(Integer.parseInt(lines[3].trim())).as("ps: header, init, sh, ps, wc").isLessThanOrEqualTo(5);
    r = lmctfy("run", "/box", "touch /srv/x");
    assertThat(r.code()).as("a read-only bind mount refuses writes").isNotZero();
    assertThat(r.err()).contains("Read-only file system");
    assertThat(shared.resolve("x")).doesNotExist();
    assertThat(lmctfy("destroy", "-f", "/box").code()).isZero();
    assertThat(lmctfy("list", "containers", "/").out()).isEmpty();
  }
}

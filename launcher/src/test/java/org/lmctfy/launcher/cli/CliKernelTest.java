package org.lmctfy.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.core.testing.KernelRoot;

/** The lmctfy command line, embedded, on the real kernel under a test root (root only). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliKernelTest {
  private KernelRoot k;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    k = new KernelRoot(); // only for the root and its cleanup: the CLI composes its own resources
  }

  @AfterEach
  void tearDown() throws Exception {
    if (k != null) {
      k.finish();
    }
  }

  private Result lmctfy(String... args) {
    List<String> argv = new ArrayList<>(List.of("--cgroup-root", k.root, "--state-dir", k.stateDir.toString()));
    argv.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(argv.toArray(new String[0]), new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void aContainersLifeThroughTheCommandLine() throws Exception {
    assertThat(lmctfy("init", "").code()).isZero();
    // 1000 milli-CPUs read back exactly on v1 (1024 shares) and cgroup2 (weight 100).
    Result r = lmctfy("create", "/web", "cpu { limit: 1000 } memory { limit: 104857600 }");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(lmctfy("create", "/web/worker", "memory { limit: 50000000 }").code()).isZero();
    assertThat(lmctfy("list", "containers", "-r", "/").out()).isEqualTo("name=\"/web\"\nname=\"/web/worker\"\n");
    assertThat(lmctfy("-v", "list", "containers", "/").out()).isEqualTo("/web\n");
    assertThat(lmctfy("spec", "/web").out()).contains("limit: 1000").contains("limit: 104857600");
    assertThat(lmctfy("stats", "summary", "/web").out()).contains("memory {").contains("usage");
    assertThat(lmctfy("stats", "full", "/web").out()).contains("throttling_data");

    r = lmctfy("run", "-n", "/web/worker", "sleep 30");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).matches("pid=\"\\d+\"\\n");
    String pid = r.out().replaceAll("\\D", "");
    assertThat(lmctfy("list", "pids", "/web/worker").out()).contains("pid=\"" + pid + "\"");
    assertThat(lmctfy("detect", pid).out()).isEqualTo("name=\"/web/worker\"\n");
    assertThat(lmctfy("pause", "/web").code()).isZero();
    assertThat(lmctfy("stats", "summary", "/web").out()).contains("freezer_state: \"FROZEN\"");
    assertThat(lmctfy("resume", "/web").code()).isZero();

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

  @Test
  void specsFromStdinAndFromFiles() throws Exception {
    assertThat(lmctfy("init", "").code()).isZero();
    InputStream stdin = System.in;
    try {
      System.setIn(new ByteArrayInputStream("memory { limit: 100000000 }".getBytes()));
      Result r = lmctfy("create", "-c", "-", "/fromstdin");
      assertThat(r.code()).as(r.err()).isZero();
    } finally {
      System.setIn(stdin);
    }
    java.nio.file.Path file = java.nio.file.Files.createTempFile("spec", ".txt");
    java.nio.file.Files.writeString(file, "cpu { limit: 250 }");
    Result r = lmctfy("create", "-c", file.toString(), "/fromfile");
    assertThat(r.code()).as(r.err()).isZero();
    java.nio.file.Files.delete(file);
    assertThat(lmctfy("create", "-c", "/no/such/file", "/x").code()).isEqualTo(5);
    assertThat(lmctfy("create", "-c", "-", "/x", "cpu {}").code()).isEqualTo(3);
  }

  @Test
  void jsonSpecsAndOutput() throws Exception {
    assertThat(lmctfy("init", "{}").code()).isZero();
    Result r = lmctfy("create", "/j", "{\"cpu\": {\"limit\": \"1000\"}, \"memory\": {\"limit\": 104857600}}");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(lmctfy("--output=json", "list", "containers", "/").out()).isEqualTo("{\"name\":\"/j\"}\n");
    String spec = lmctfy("--output=json", "spec", "/j").out();
    assertThat(spec).contains("\"limit\": \"1000\"").contains("\"limit\": \"104857600\"");
    assertThat(lmctfy("--output=json", "stats", "summary", "/j").out()).contains("\"memory\": {");
    r = lmctfy("create", "/k", "{\"cpu\": {\"limt\": 5}}");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).startsWith("INVALID_ARGUMENT: Cannot parse the JSON ContainerSpec");
    assertThat(lmctfy("--output=yaml", "version").code()).isEqualTo(3);
  }

  @Test
  void badInputGetsItsStatusCodeAndNoStackTrace() {
    Result r = lmctfy("create", "/bad", "cpu { limt: 5 }");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).startsWith("INVALID_ARGUMENT: ").doesNotContain("\tat ");
    assertThat(lmctfy("create", "/bad name", "cpu {}").code()).isEqualTo(3);
    assertThat(lmctfy("create").code()).isEqualTo(3);
    assertThat(lmctfy("no-such-command").code()).isEqualTo(3);
    assertThat(lmctfy("run", "/nope", "/bin/true").code()).isEqualTo(5);
    assertThat(lmctfy("create", "/x", "network {}").code()).isEqualTo(14);
    assertThat(lmctfy("-V").out()).isEqualTo("lmctfy version " + LmctfyCommand.VERSION + "\n");
    assertThat(lmctfy("version").out()).isEqualTo("version=\"" + LmctfyCommand.VERSION + "\"\n");
    assertThat(lmctfy("help").code()).isZero();
    Result help = lmctfy("create", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Usage: lmctfy create").contains("Example: lmctfy create");
    assertThat(lmctfy("list", "pids", "-h").out()).contains("Example: lmctfy list pids");
    assertThat(lmctfy("completion").out()).contains("complete -F").contains("_picocli_lmctfy");
    assertThat(lmctfy("-l", "version").out()).isEqualTo(String.format("%-20s | %s%n%n", "version",
        LmctfyCommand.VERSION));
  }

  @Test
  void notifyWaitsForTheFirstEvent() throws Exception {
    assertThat(lmctfy("init", "").code()).isZero();
    assertThat(lmctfy("create", "/n", "memory { limit: 104857600 }").code()).isZero();
    Result r = lmctfy("run", "-n", "/n", "sleep 1");
    assertThat(r.code()).isZero();
    Result empty = lmctfy("notify", "container", "empty", "/n");
    assertThat(empty.code()).as(empty.err()).isZero();
    assertThat(empty.out()).isEqualTo("notification_status=\"0\"\n");
  }
}

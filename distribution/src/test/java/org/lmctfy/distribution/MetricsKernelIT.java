package org.lmctfy.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.core.testing.KernelRoot;

/**
 * The metrics bundle under a real Prometheus (Debian's package, which .ci/run installs): lmctfyd with
 * etc/org.lmctfy.metrics.cfg turned on, a Prometheus server of the test's own (temporary configuration and
 * data, 127.0.0.1, a free port, scraping every second) and its HTTP API's answers about containers with limits
 * and load.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MetricsKernelIT {
  private static final Pattern SAMPLE = Pattern.compile("\"value\":\\[[0-9.]+,\"([^\"]+)\"\\]");

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private KernelRoot k;
  private Dist dist;
  private Process prometheus;
  private Path promDir;
  private int metricsPort;
  private int promPort;

  private static String onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return Path.of(dir, tool).toString();
      }
    }
    return null;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    Assumptions.assumeTrue(onPath("prometheus") != null && onPath("promtool") != null,
        "no prometheus/promtool on PATH: install Debian's prometheus package (.ci/run does)");
    k = new KernelRoot();
    dist = Dist.copy();
    metricsPort = freePort();
    Files.writeString(dist.home.resolve("etc/org.lmctfy.metrics.cfg"),
        "enabled = true\nbind.address = 127.0.0.1\nport = " + metricsPort + "\n");
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (prometheus != null) {
        prometheus.destroy();
        if (!prometheus.waitFor(30, TimeUnit.SECONDS)) {
          prometheus.destroyForcibly();
          prometheus.waitFor(10, TimeUnit.SECONDS);
        }
      }
      if (dist != null) {
        dist.close(); // the daemon, and the copy with Prometheus' data directory inside it
      }
    } finally {
      if (k != null) {
        k.finish();
      }
    }
  }

  private Dist.Result lmctfy(String... args) throws Exception {
    List<String> argv = new java.util.ArrayList<>(List.of("--socket", dist.home.resolve("run/lmctfy.sock").toString()));
    argv.addAll(List.of(args));
    Dist.Result r = dist.run(List.of(), null, argv.toArray(new String[0]));
    return r;
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String exposition() throws Exception {
    HttpResponse<String> r = get("http://127.0.0.1:" + metricsPort + "/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /** The value of a PromQL query's single sample, or empty when it has none (yet). */
  private OptionalDouble query(String promql) throws Exception {
    HttpResponse<String> r = get("http://127.0.0.1:" + promPort + "/api/v1/query?query="
        + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    Matcher m = SAMPLE.matcher(r.body());
    return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
  }

  private double awaitQuery(String promql, java.util.function.DoublePredicate ok, String what) throws Exception {
    double[] last = {Double.NaN};
    Dist.await(what + " (" + promql + ", last " + last[0] + ")", 60_000, () -> {
      OptionalDouble v = query(promql);
      if (v.isPresent()) {
        last[0] = v.getAsDouble();
      }
      return v.isPresent() && ok.test(v.getAsDouble());
    });
    return last[0];
  }

  private void startPrometheus() throws Exception {
    promPort = freePort();
    promDir = Files.createDirectory(dist.home.resolve("prometheus"));
    Path config = promDir.resolve("prometheus.yml");
    Files.writeString(config, String.join("\n",
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "scrape_configs:",
        "  - job_name: lmctfy",
        "    scrape_interval: 1s",
        "    scrape_timeout: 1s",
        "    static_configs:",
        "      - targets: ['127.0.0.1:" + metricsPort + "']",
        ""));
    prometheus = new ProcessBuilder(onPath("prometheus"), "--config.file=" + config,
        "--storage.tsdb.path=" + promDir.resolve("data"), "--web.listen-address=127.0.0.1:" + promPort,
        "--storage.tsdb.retention.time=1h")
        .redirectErrorStream(true).redirectOutput(promDir.resolve("prometheus.log").toFile()).start();
    Dist.await("Prometheus ready on 127.0.0.1:" + promPort, 60_000, () -> {
      assertThat(prometheus.isAlive()).as(() -> readLog()).isTrue();
      try {
        return get("http://127.0.0.1:" + promPort + "/-/ready").statusCode() == 200;
      } catch (java.io.IOException e) {
        return false;
      }
    });
  }

  private String readLog() {
    try {
      return Files.readString(promDir.resolve("prometheus.log"));
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  @Test
  void prometheusSeesLimitsCpuAndOoms() throws Exception {
    dist.startDaemon("--socket", dist.home.resolve("run/lmctfy.sock").toString(), "--cgroup-root", k.root,
        "--state-dir", k.stateDir.toString());
    // FileInstall delivers etc/org.lmctfy.metrics.cfg shortly after the daemon is ready.
    Dist.await("the metrics endpoint on 127.0.0.1:" + metricsPort, 30_000, () -> {
      try {
        return get("http://127.0.0.1:" + metricsPort + "/metrics").statusCode() == 200;
      } catch (java.io.IOException e) {
        return false;
      }
    });
    Dist.Result r = lmctfy("create", "/web", "cpu { limit: 500 max_limit: 1000 } memory { limit: 67108864 }");
    assertThat(r.code()).as(r.err()).isZero();
    r = lmctfy("create", "/oom", "memory { limit: 16777216 }");
    assertThat(r.code()).as(r.err()).isZero();

    // The exposition as promtool reads it.
    String text = exposition();
    assertThat(text).contains("container_spec_memory_limit_bytes{name=\"/web\"}")
        .contains("lmctfy_controller_present{resource=\"memory\"} 1");
    Path file = Files.writeString(dist.home.resolve("tmp/metrics.txt"), text);
    Process check = new ProcessBuilder(onPath("promtool"), "check", "metrics").redirectInput(file.toFile())
        .redirectErrorStream(true).start();
    assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String verdict = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(check.exitValue()).as("promtool check metrics: " + verdict).isZero();

    startPrometheus();
    // The limit equals the spec.
    assertThat(awaitQuery("container_spec_memory_limit_bytes{name=\"/web\"}", v -> true, "the memory limit"))
        .isEqualTo(67108864.0);
    assertThat(awaitQuery("container_spec_cpu_quota{name=\"/web\"} / container_spec_cpu_period{name=\"/web\"}",
        v -> true, "the cpu cap")).isEqualTo(1.0);

    // CPU usage grows under a bounded busy loop.
    double before = awaitQuery("container_cpu_usage_seconds_total{name=\"/web\"}", v -> true, "cpu usage");
    r = lmctfy("run", "-n", "/web", "timeout -s KILL 20 sh -c 'while :; do :; done'");
    assertThat(r.code()).as(r.err()).isZero();
    awaitQuery("container_cpu_usage_seconds_total{name=\"/web\"}", v -> v >= before + 1.0,
        "cpu usage to grow by a second");
    awaitQuery("container_processes{name=\"/web\"}", v -> v >= 1, "the busy loop counted");

    // An OOM: a bounded allocation past a 16 MiB limit is killed, and the counter counts it.
    double ooms = awaitQuery("container_oom_events_total{name=\"/oom\"}", v -> true, "the OOM counter");
    r = lmctfy("run", "/oom", "timeout -s KILL 30 tail /dev/zero");
    assertThat(r.code()).as("tail /dev/zero under a 16 MiB limit: " + r.err()).isNotZero();
    awaitQuery("container_oom_events_total{name=\"/oom\"}", v -> v >= ooms + 1, "an OOM event");

    // The scrape target is healthy throughout.
    assertThat(awaitQuery("up{job=\"lmctfy\"}", v -> true, "the target")).isEqualTo(1.0);

    // The core's own health, counted for every client: a create the core refuses for a bad spec (sent by the
    // daemon's command line) is an INVALID_ARGUMENT operation...
    assertThat(text).contains("lmctfy_api_operations_total{code=\"OK\",operation=\"create\"}")
        .contains("lmctfy_notification_registrations ").contains("lmctfy_controller_swap_window_open_seconds{");
    String refusedCreates = "sum(lmctfy_api_operations_total{operation=\"create\",code=\"INVALID_ARGUMENT\"})"
        + " or vector(0)";
    double refused = awaitQuery(refusedCreates, v -> true, "refused creates");
    r = lmctfy("create", "/bad", "memory { reservation: -5 }");
    assertThat(r.code()).as(r.err()).isEqualTo(3);
    awaitQuery(refusedCreates, v -> v >= refused + 1, "the refused create counted");
    assertThat(awaitQuery("lmctfy_api_operations_total{operation=\"create\",code=\"OK\"}", v -> v >= 2,
        "the two creates")).isGreaterThanOrEqualTo(2.0);

    // ...a following notify's registration is in the gauge while its client lives...
    Process notify = dist.process(List.of(dist.home.resolve("bin/lmctfy").toString(), "--socket",
        dist.home.resolve("run/lmctfy.sock").toString(), "notify", "memory", "oom", "-f", "/web"))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      awaitQuery("lmctfy_notification_registrations", v -> v == 1, "the registration");
    } finally {
      notify.destroy(); // SIGTERM: the daemon sees the client go and cancels its registration
      assertThat(notify.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    awaitQuery("lmctfy_notification_registrations", v -> v == 0, "the registration gone with its client");

    // ...and a controller jar taken out of bundle/ opens a swap window, which closes when it is back.
    Path cpuJar = dist.bundle("cpu-controller");
    Path aside = dist.home.resolve(cpuJar.getFileName() + ".aside");
    Files.move(cpuJar, aside);
    try {
      awaitQuery("lmctfy_controller_swap_window_open_seconds{resource=\"cpu\"}", v -> v > 0, "a cpu swap window");
      assertThat(awaitQuery("lmctfy_controller_present{resource=\"cpu\"}", v -> v == 0, "cpu absent")).isZero();
    } finally {
      Files.move(aside, cpuJar, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
    awaitQuery("lmctfy_controller_swap_window_open_seconds{resource=\"cpu\"}", v -> v == 0, "the window closed");
    assertThat(awaitQuery("lmctfy_controller_swap_windows_total{resource=\"cpu\"}", v -> true, "cpu's windows"))
        .isEqualTo(1.0);
    assertThat(awaitQuery("lmctfy_controller_absent_seconds_total{resource=\"cpu\"}", v -> v > 0,
        "cpu's absence")).isPositive();
    assertThat(awaitQuery("lmctfy_controller_swap_windows_total{resource=\"memory\"}", v -> true,
        "memory's windows")).isZero();

    // A bad value in the .cfg is refused naming its key; the endpoint serves on as it was.
    Files.writeString(dist.home.resolve("etc/org.lmctfy.metrics.cfg"), "enabled = true\nport = 70000\n");
    Dist.await("the refusal in lmctfyd's log", 30_000, () -> dist.daemonLog().contains("port = \"70000\" is not a TCP port"));
    assertThat(exposition()).contains("container_spec_memory_limit_bytes{name=\"/web\"}");
  }
}

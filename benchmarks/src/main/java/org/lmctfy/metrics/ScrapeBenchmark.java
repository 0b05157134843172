package org.lmctfy.metrics;

import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.controller.blockio.BlockIoFactory;
import org.lmctfy.controller.cpu.CpuFactory;
import org.lmctfy.controller.freezer.FreezerFactory;
import org.lmctfy.controller.memory.MemoryFactory;
import org.lmctfy.core.testing.KernelRoot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A Prometheus scrape of {@code containers} containers (cpu, memory, blockio, freezer) over HTTP on the loopback,
 * against reading their stats through the API one after the other, on the real kernel (root). In the metrics
 * bundle's package (its classes are private to the bundle; on this plain class path the package is shared).
 * Goal: the scrape costs at most 2x the stats.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ScrapeBenchmark {
  @Param({"1000"})
  public int containers;

  private KernelRoot root;
  private final List<Container> all = new ArrayList<>();
  private MetricsEndpoint endpoint;
  private Scrape scrape;
  private HttpClient http;
  private HttpRequest get;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    root = new KernelRoot(new CpuFactory(), new MemoryFactory(), new BlockIoFactory(), new FreezerFactory());
    ContainerSpec spec = SpecFormat.parse("cpu { limit: 500 max_limit: 2000 } memory { limit: 104857600 } blockio {}",
        ContainerSpec.newBuilder()).build();
    for (int i = 0; i < containers; i++) {
      all.add(root.api.create("/s" + i, spec));
    }
    scrape = new Scrape(() -> root.api, new Controllers(), new ApiCalls(), BlockDevices.system(), StatsType.FULL);
    endpoint = MetricsEndpoint.start("127.0.0.1", 0, "/metrics", scrape::collect);
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics"))
        .timeout(Duration.ofSeconds(60)).build();
    System.err.println("# cgroup root " + root.root + ", exposition " + scrapeOverHttp() + " bytes");
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    endpoint.close();
    root.close();
  }

  /** What a scrape reads through the API: the list, then each container's FULL stats. */
  @Benchmark
  public long statsFullOfAll() throws ContainerException {
    long sum = 0;
    for (Container c : root.api.get("/").listSubcontainers(ListPolicy.RECURSIVE)) {
      sum += c.stats(StatsType.FULL).getMemory().getUsage();
    }
    return sum;
  }

  @Benchmark
  public long statsSummaryOfAll() throws ContainerException {
    long sum = 0;
    for (Container c : all) {
      sum += c.stats(StatsType.SUMMARY).getMemory().getUsage();
    }
    return sum;
  }

  /** The scrape's reading and series, without the text format and HTTP. */
  @Benchmark
  public MetricSnapshots collect() {
    return scrape.collect();
  }

  /** A whole scrape as Prometheus makes it: HTTP GET on the loopback, every container, the text format. */
  @Benchmark
  public int scrapeOverHttp() throws Exception {
    HttpResponse<byte[]> r = http.send(get, HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("scrape answered " + r.statusCode());
    }
    return r.body().length;
  }
}

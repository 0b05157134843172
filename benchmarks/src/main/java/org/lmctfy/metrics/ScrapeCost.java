package org.lmctfy.metrics;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lmctfy.api.Container;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.controller.blockio.BlockIoFactory;
import org.lmctfy.controller.cpu.CpuFactory;
import org.lmctfy.controller.freezer.FreezerFactory;
import org.lmctfy.controller.memory.MemoryFactory;
import org.lmctfy.core.testing.KernelRoot;

/**
 * The scrape's cost against the stats it reads, as a plain measurement: the contenders run in turn within each
 * round, so a load that comes and goes on a shared machine weighs on all of them alike; medians of the rounds.
 * Usage: {@code ScrapeCost [containers] [rounds]}. Root only (real cgroups under a unique test root).
 */
public final class ScrapeCost {
  private ScrapeCost() {}

  public static void main(String[] args) throws Exception {
    int containers = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    try (KernelRoot root = new KernelRoot(new CpuFactory(), new MemoryFactory(), new BlockIoFactory(),
        new FreezerFactory())) {
      ContainerSpec spec = SpecFormat.parse("cpu { limit: 500 max_limit: 2000 } memory { limit: 104857600 } blockio {}",
          ContainerSpec.newBuilder()).build();
      List<Container> all = new ArrayList<>();
      for (int i = 0; i < containers; i++) {
        all.add(root.api.create("/s" + i, spec));
      }
      Scrape scrape = new Scrape(() -> root.api, new Controllers(), new ApiCalls(), BlockDevices.system(),
          StatsType.FULL);
      try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, "/metrics", scrape::collect)) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics"))
            .timeout(Duration.ofSeconds(60)).build();
        Map<String, Callable<Object>> contenders = new LinkedHashMap<>();
        contenders.put("stats(FULL) of all", () -> {
          for (Container c : root.api.get("/").listSubcontainers(ListPolicy.RECURSIVE)) {
            c.stats(StatsType.FULL);
          }
          return null;
        });
        contenders.put("stats(SUMMARY) of all", () -> {
          for (Container c : root.api.get("/").listSubcontainers(ListPolicy.RECURSIVE)) {
            c.stats(StatsType.SUMMARY);
          }
          return null;
        });
        contenders.put("spec() of all", () -> {
          for (Container c : all) {
            c.spec();
          }
          return null;
        });
        contenders.put("listProcesses of all", () -> {
          for (Container c : all) {
            c.listProcesses(ListPolicy.SELF);
          }
          return null;
        });
        contenders.put("scrape, series only", scrape::collect);
        contenders.put("scrape over HTTP", () -> {
          HttpResponse<byte[]> r = http.send(get, HttpResponse.BodyHandlers.ofByteArray());
          if (r.statusCode() != 200) {
            throw new IllegalStateException("scrape answered " + r.statusCode());
          }
          return r.body().length;
        });
        Map<String, double[]> times = new LinkedHashMap<>();
        contenders.keySet().forEach(k -> times.put(k, new double[rounds]));
        for (int warm = 0; warm < 3; warm++) {
          for (Callable<Object> c : contenders.values()) {
            c.call();
          }
        }
        for (int r = 0; r < rounds; r++) {
          for (Map.Entry<String, Callable<Object>> e : contenders.entrySet()) {
            long t = System.nanoTime();
            e.getValue().call();
            times.get(e.getKey())[r] = (System.nanoTime() - t) / 1e6;
          }
        }
        Map<String, Double> median = new LinkedHashMap<>();
        times.forEach((k, v) -> {
          double[] s = v.clone();
          Arrays.sort(s);
          median.put(k, s[s.length / 2]);
          System.out.printf("%-24s median %8.1f ms   min %8.1f ms%n", k, s[s.length / 2], s[0]);
        });
        System.out.printf("scrape over HTTP / stats(FULL) of all: %.2f (goal <= 2)%n",
            median.get("scrape over HTTP") / median.get("stats(FULL) of all"));
        System.out.printf("scrape over HTTP / stats(SUMMARY) of all: %.2f%n",
            median.get("scrape over HTTP") / median.get("stats(SUMMARY) of all"));
      }
    }
  }
}

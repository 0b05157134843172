package org.lmctfy.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.health.ApiHealth;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;

/**
 * Reads every container (the root and its whole subtree) through the {@link ContainerApi} and gives its series
 * and the bundle's health. It always answers: without the core, {@code lmctfy_core_available} is 0; a container
 * that fails (destroyed meanwhile: NOT_FOUND) is left out and counted under its status code.
 */
final class Scrape {
  private final Supplier<ContainerApi> api;
  private final Supplier<ApiHealth> health;
  private final Controllers controllers;
  private final ApiCalls calls;
  private final BlockDevices devices;
  private final StatsType statsType;
  private volatile double lastSeconds = -1;

  Scrape(Supplier<ContainerApi> api, Controllers controllers, ApiCalls calls, BlockDevices devices,
      StatsType statsType) {
    this(api, () -> null, controllers, calls, devices, statsType);
  }

  /** @param health the core's own counts, null while its service is absent */
  Scrape(Supplier<ContainerApi> api, Supplier<ApiHealth> health, Controllers controllers, ApiCalls calls,
      BlockDevices devices, StatsType statsType) {
    this.api = api;
    this.health = health;
    this.controllers = controllers;
    this.calls = calls;
    this.devices = devices;
    this.statsType = statsType;
  }

  MetricSnapshots collect() {
    long start = System.nanoTime();
    SeriesSet out = new SeriesSet();
    ContainerApi a = api.get();
    out.gauge("lmctfy_core_available", "1 when the lmctfy core (the ContainerApi service) is running.",
        Labels.EMPTY, a == null ? 0 : 1);
    int scraped = 0;
    if (a != null) {
      ContainerSeries series = new ContainerSeries(out, devices);
      for (Container c : containers(a)) {
        if (addContainer(series, c)) {
          scraped++;
        }
      }
      out.gauge("lmctfy_containers", "Containers whose series this scrape gave.", Labels.EMPTY, scraped);
    }
    controllers.addTo(out);
    // After this scrape's own calls, so that they are in the core's counts too.
    CoreHealth.addTo(out, health.get());
    calls.addTo(out);
    if (lastSeconds >= 0) {
      out.gauge("lmctfy_metrics_last_scrape_duration_seconds", "How long the previous scrape took to gather.",
          Labels.EMPTY, lastSeconds);
    }
    MetricSnapshots snapshots = out.build();
    lastSeconds = (System.nanoTime() - start) / 1e9;
    return snapshots;
  }

  private List<Container> containers(ContainerApi a) {
    List<Container> all = new ArrayList<>();
    String op = "get";
    try {
      Container root = a.get("/");
      calls.record(op, StatusCode.OK);
      all.add(root);
      op = "list_subcontainers";
      all.addAll(root.listSubcontainers(ListPolicy.RECURSIVE));
      calls.record(op, StatusCode.OK);
    } catch (ContainerException e) {
      calls.record(op, e.code());
    } catch (RuntimeException e) {
      calls.record(op, StatusCode.INTERNAL);
    }
    return all;
  }

  private boolean addContainer(ContainerSeries series, Container c) {
    String op = "stats";
    try {
      ContainerStats stats = c.stats(statsType);
      calls.record(op, StatusCode.OK);
      ContainerSpec spec = null;
      if (stats.hasCpu()) {
        op = "spec";
        spec = c.spec(); // cpu shares and quota are settings, not stats
        calls.record(op, StatusCode.OK);
      }
      op = "list_processes";
      int processes = c.listProcesses(ListPolicy.SELF).size();
      calls.record(op, StatusCode.OK);
      series.add(c.name(), stats, spec, processes);
      return true;
    } catch (ContainerException e) {
      calls.record(op, e.code());
    } catch (RuntimeException e) {
      calls.record(op, StatusCode.INTERNAL);
    }
    return false;
  }
}

package org.lmctfy.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The series of one scrape, grouped by metric name in the order they are first added. A metric with no data
 * point (a resource no container isolates, a controller that is absent) is left out of the exposition.
 */
final class SeriesSet {
  private enum Kind { COUNTER, GAUGE, UNTYPED }

  private record Family(Kind kind, String help, List<Object> points) {}

  private final Map<String, Family> families = new LinkedHashMap<>();

  /**
   * A cumulative value. {@code name} is without {@code _total}: the text format adds it, as the Prometheus
   * client's data model requires.
   */
  void counter(String name, String help, Labels labels, double value) {
    family(name, Kind.COUNTER, help).points.add(
        CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(value).build());
  }

  void gauge(String name, String help, Labels labels, double value) {
    family(name, Kind.GAUGE, help).points.add(
        GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
  }

  /** A cumulative value whose cAdvisor name has no {@code _total} ({@code container_memory_failcnt}). */
  void untyped(String name, String help, Labels labels, double value) {
    family(name, Kind.UNTYPED, help).points.add(
        UnknownSnapshot.UnknownDataPointSnapshot.builder().labels(labels).value(value).build());
  }

  private Family family(String name, Kind kind, String help) {
    Family f = families.computeIfAbsent(name, n -> new Family(kind, help, new ArrayList<>()));
    if (f.kind != kind) {
      throw new IllegalStateException(name + " is a " + f.kind + ", not a " + kind);
    }
    return f;
  }

  MetricSnapshots build() {
    List<MetricSnapshot> out = new ArrayList<>(families.size());
    families.forEach((name, f) -> {
      switch (f.kind) {
        case COUNTER -> {
          CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(f.help);
          f.points.forEach(p -> b.dataPoint((CounterSnapshot.CounterDataPointSnapshot) p));
          out.add(b.build());
        }
        case GAUGE -> {
          GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(f.help);
          f.points.forEach(p -> b.dataPoint((GaugeSnapshot.GaugeDataPointSnapshot) p));
          out.add(b.build());
        }
        case UNTYPED -> {
          UnknownSnapshot.Builder b = UnknownSnapshot.builder().name(name).help(f.help);
          f.points.forEach(p -> b.dataPoint((UnknownSnapshot.UnknownDataPointSnapshot) p));
          out.add(b.build());
        }
        default -> throw new IllegalStateException();
      }
    });
    return new MetricSnapshots(out);
  }
}

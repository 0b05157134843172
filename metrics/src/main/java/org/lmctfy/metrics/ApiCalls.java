package org.lmctfy.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import org.lmctfy.api.StatusCode;

/**
 * The API calls this bundle made, by operation and status code. The core counts them too, among every client's
 * ({@code lmctfy_api_operations_total}, the same operation names): the difference is the other clients' share.
 */
final class ApiCalls {
  private final Map<String, LongAdder> counts = new ConcurrentSkipListMap<>();

  void record(String operation, StatusCode code) {
    counts.computeIfAbsent(operation + " " + code.name(), k -> new LongAdder()).increment();
  }

  long count(String operation, StatusCode code) {
    LongAdder a = counts.get(operation + " " + code.name());
    return a == null ? 0 : a.sum();
  }

  void addTo(SeriesSet out) {
    counts.forEach((key, n) -> {
      String[] opCode = key.split(" ", 2);
      out.counter("lmctfy_metrics_api_calls", "ContainerApi calls made by the metrics bundle, by status code.",
          Labels.of("operation", opCode[0], "code", opCode[1]), n.sum());
    });
  }
}

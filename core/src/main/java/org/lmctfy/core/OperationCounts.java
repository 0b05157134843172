package org.lmctfy.core;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;

/**
 * The ContainerApi's operations answered, by operation and status code (ARCHITECTURE.md § Health), counted where
 * every client's call passes: {@link ContainerApiComponent} and the {@link CountedContainer}s it hands out.
 */
final class OperationCounts {
  /** A call of the API that may fail with a status code. */
  @FunctionalInterface
  interface Call<T> {
    T call() throws ContainerException;
  }

  /** {@link Call} without a result. */
  @FunctionalInterface
  interface VoidCall {
    void call() throws ContainerException;
  }

  private final Map<String, Map<StatusCode, LongAdder>> counts = new ConcurrentHashMap<>();

  /** Runs {@code call}, counting its outcome under {@code operation}: OK, its code, or INTERNAL. */
  <T> T count(String operation, Call<T> call) throws ContainerException {
    T result;
    try {
      result = call.call();
    } catch (ContainerException e) {
      record(operation, e.code());
      throw e;
    } catch (RuntimeException e) {
      record(operation, StatusCode.INTERNAL);
      throw e;
    }
    record(operation, StatusCode.OK);
    return result;
  }

  void count(String operation, VoidCall call) throws ContainerException {
    count(operation, () -> {
      call.call();
      return null;
    });
  }

  void record(String operation, StatusCode code) {
    counts.computeIfAbsent(operation, o -> new ConcurrentHashMap<>())
        .computeIfAbsent(code, c -> new LongAdder()).increment();
  }

  /** A copy: operation (sorted) → status code → calls. */
  Map<String, Map<StatusCode, Long>> snapshot() {
    Map<String, Map<StatusCode, Long>> out = new TreeMap<>();
    counts.forEach((op, byCode) -> {
      Map<StatusCode, Long> codes = new EnumMap<>(StatusCode.class);
      byCode.forEach((code, n) -> codes.put(code, n.sum()));
      out.put(op, codes);
    });
    return out;
  }
}

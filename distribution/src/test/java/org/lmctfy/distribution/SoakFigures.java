package org.lmctfy.distribution;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a soak run counts: every client operation by type and outcome (status code), the chaos it survived
 * (daemon restarts, controller swaps), the invariant checks passed, and the failures that fail the test.
 */
final class SoakFigures {
  /** Distinct message shapes kept per (operation, code), to say what the expected errors were. */
  private static final int SHAPES_PER_OUTCOME = 12;

  private final Map<String, Map<String, LongAdder>> outcomes = new ConcurrentHashMap<>();
  private final Map<String, Map<String, LongAdder>> shapes = new ConcurrentHashMap<>();
  private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  final AtomicInteger restarts = new AtomicInteger();
  final AtomicInteger recoveryLines = new AtomicInteger();
  final Map<String, AtomicInteger> swaps = new ConcurrentHashMap<>();
  final AtomicInteger checksPassed = new AtomicInteger();
  final AtomicInteger containersChecked = new AtomicInteger();
  final AtomicInteger pauseResumeChecked = new AtomicInteger();
  final AtomicInteger mostContainers = new AtomicInteger();

  /** One operation's outcome: "OK" or a status code name; {@code message} for errors, else null. */
  void count(String op, String outcome, String message) {
    outcomes.computeIfAbsent(op, o -> new ConcurrentHashMap<>()).computeIfAbsent(outcome, o -> new LongAdder())
        .increment();
    if (message != null) {
      Map<String, LongAdder> s = shapes.computeIfAbsent(op + " " + outcome, o -> new ConcurrentHashMap<>());
      String shape = shape(message);
      if (s.containsKey(shape) || s.size() < SHAPES_PER_OUTCOME) {
        s.computeIfAbsent(shape, x -> new LongAdder()).increment();
      }
    }
  }

  /** A message with its container names, numbers and paths blurred, so that alike errors count as one. */
  static String shape(String message) {
    String m = message.replaceAll("/[A-Za-z0-9_.:/-]+", "/…").replaceAll("\\d+", "#");
    return m.length() > 140 ? m.substring(0, 140) + "…" : m;
  }

  void fail(String what) {
    failures.add(what);
  }

  List<String> failures() {
    synchronized (failures) {
      return new ArrayList<>(failures);
    }
  }

  /** The failures grouped by shape (times, names, numbers and specs blurred), with the first example of each. */
  String failureGroups() {
    Map<String, List<String>> groups = new java.util.LinkedHashMap<>();
    for (String f : failures()) {
      String withoutTime = f.strip().replaceFirst("^[\\d.]+ (c\\d )?", "");
      String key = shape(withoutTime.replaceAll("\\[([^\\]]*\\{[^\\]]*)?\\]", "[…]")); // specs blurred
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(f);
    }
    StringBuilder b = new StringBuilder();
    groups.forEach((shape, all) -> b.append(String.format("  %5d x %s%n        first: %s%n", all.size(), shape,
        all.get(0).strip().replace("\n", "\n        "))));
    return b.toString();
  }

  long total() {
    long n = 0;
    for (Map<String, LongAdder> m : outcomes.values()) {
      for (LongAdder a : m.values()) {
        n += a.sum();
      }
    }
    return n;
  }

  /** Operations by type and outcome, one line per type. */
  String table() {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Map<String, LongAdder>> op : new TreeMap<>(outcomes).entrySet()) {
      long sum = op.getValue().values().stream().mapToLong(LongAdder::sum).sum();
      b.append(String.format("  %-15s %7d ", op.getKey(), sum));
      TreeMap<String, LongAdder> byCode = new TreeMap<>(op.getValue());
      List<String> parts = new ArrayList<>();
      byCode.forEach((code, n) -> parts.add(code + " " + n.sum()));
      b.append(String.join(", ", parts)).append('\n');
    }
    return b.toString();
  }

  /** The shapes of the expected errors, most frequent first. */
  String errorShapes() {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Map<String, LongAdder>> e : new TreeMap<>(shapes).entrySet()) {
      b.append("  ").append(e.getKey()).append('\n');
      e.getValue().entrySet().stream().sorted((x, y) -> Long.compare(y.getValue().sum(), x.getValue().sum()))
          .forEach(s -> b.append(String.format("    %6d  %s%n", s.getValue().sum(), s.getKey())));
    }
    return b.toString();
  }
}

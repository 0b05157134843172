package org.lmctfy.distribution;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The soak's log, so that a failed invariant can be traced back to what led to it: every operation and every
 * chaos event, in order, in a file ({@code target/soak-<seed>.log}); the last operations on each container
 * name and the chaos events kept in memory, printed with a violation.
 */
final class SoakJournal implements AutoCloseable {
  private static final int HISTORY_PER_NAME = 40;
  private static final int EVENTS_KEPT = 200;

  private final long startNanos = System.nanoTime();
  private final BufferedWriter file;
  final Path path;
  private final Map<String, Deque<String>> byName = new ConcurrentHashMap<>();
  private final Deque<String> events = new ArrayDeque<>();

  SoakJournal(Path path) throws IOException {
    this.path = path;
    Files.createDirectories(path.getParent());
    this.file = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
  }

  /** Seconds since the start, for every line. */
  String now() {
    return String.format("%8.3f", (System.nanoTime() - startNanos) / 1e9);
  }

  double seconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** One client operation on a container (name may be null for list /). */
  void op(String client, String op, String name, String detail, String outcome, long millis) {
    String line = now() + " " + client + " " + op + " " + (name == null ? "/" : name)
        + (detail == null || detail.isEmpty() ? "" : " [" + detail + "]") + " -> " + outcome + " (" + millis + " ms)";
    write(line);
    if (name != null) {
      Deque<String> h = byName.computeIfAbsent(name, n -> new ArrayDeque<>());
      synchronized (h) {
        h.addLast(line);
        if (h.size() > HISTORY_PER_NAME) {
          h.removeFirst();
        }
      }
    }
  }

  /** A chaos or checkpoint event: logged, kept, and printed. */
  void event(String what) {
    String line = now() + " == " + what;
    write(line);
    synchronized (events) {
      events.addLast(line);
      if (events.size() > EVENTS_KEPT) {
        events.removeFirst();
      }
    }
    System.out.println("soak " + line);
  }

  /**
   * The recent operations on a name, its ancestors and its descendants, and the recent chaos events, merged in
   * time order.
   */
  String historyOf(String name) {
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, Deque<String>> e : byName.entrySet()) {
      String n = e.getKey();
      if (n.equals(name) || n.startsWith(name + "/") || name.startsWith(n + "/")) {
        synchronized (e.getValue()) {
          lines.addAll(e.getValue());
        }
      }
    }
    synchronized (events) {
      lines.addAll(events);
    }
    lines.sort((a, b) -> Double.compare(Double.parseDouble(a.substring(0, 8).trim()),
        Double.parseDouble(b.substring(0, 8).trim())));
    return String.join("\n", lines);
  }

  private void write(String line) {
    synchronized (file) {
      try {
        file.write(line);
        file.newLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Override
  public void close() throws IOException {
    synchronized (file) {
      file.close();
    }
  }
}

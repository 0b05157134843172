package org.lmctfy.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * What the soak does to the daemon: starts bin/lmctfyd on its own socket, cgroup root and state directory,
 * kills it with SIGKILL and starts it again on the same socket, and moves controller jars out of bundle/ and
 * back (FileInstall uninstalls and reinstalls them).
 */
final class SoakChaos {
  static final List<String> CONTROLLERS = List.of("cpu-controller", "memory-controller", "freezer-controller");

  private final Dist dist;
  private final String[] daemonArgs;
  private final SoakJournal journal;
  private final SoakFigures figures;
  private Process daemon;
  /** The running daemon's log (its stderr). */
  private Path currentLog;
  /** Jars moved out: where each belongs in bundle/ → where it is now. */
  private final Map<Path, Path> aside = new LinkedHashMap<>();

  SoakChaos(Dist dist, SoakJournal journal, SoakFigures figures, String... daemonArgs) {
    this.dist = dist;
    this.journal = journal;
    this.figures = figures;
    this.daemonArgs = daemonArgs;
  }

  /** Starts the daemon and waits for its ready line (bounded by Dist). */
  void start() throws Exception {
    long t0 = System.nanoTime();
    List<Path> before = logs();
    daemon = dist.startDaemon(daemonArgs);
    currentLog = logs().stream().filter(l -> !before.contains(l)).findFirst().orElse(null);
    journal.event("lmctfyd ready, pid " + daemon.pid() + " (" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)
        + " ms)" + (aside.isEmpty() ? "" : ", started without " + names()));
  }

  /** SIGKILL, as a crash or the OOM killer would; returns once the process is gone. */
  void kill() throws Exception {
    long pid = daemon.pid();
    daemon.destroyForcibly();
    if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("lmctfyd pid " + pid + " survived SIGKILL for 30 s");
    }
    figures.restarts.incrementAndGet();
    journal.event("SIGKILL lmctfyd pid " + pid + (aside.isEmpty() ? "" : " (" + names() + " out of bundle/)"));
  }

  boolean alive() {
    return daemon != null && daemon.isAlive();
  }

  int exitValue() {
    return daemon.exitValue();
  }

  /** SIGTERM; the daemon's exit code. */
  int stop() throws Exception {
    return Dist.stop(daemon);
  }

  void swapOut(List<String> controllers) throws IOException {
    for (String c : controllers) {
      Path jar = dist.bundle(c);
      Path to = dist.home.resolve(jar.getFileName() + ".aside");
      Files.move(jar, to, StandardCopyOption.ATOMIC_MOVE);
      aside.put(jar, to);
      figures.swaps.computeIfAbsent(c, x -> new AtomicInteger()).incrementAndGet();
    }
    journal.event("moved " + names() + " out of bundle/");
  }

  void swapBack() throws IOException {
    if (aside.isEmpty()) {
      return;
    }
    String names = names();
    for (Map.Entry<Path, Path> e : aside.entrySet()) {
      Files.move(e.getValue(), e.getKey(), StandardCopyOption.ATOMIC_MOVE);
    }
    aside.clear();
    journal.event("moved " + names + " back into bundle/");
  }

  boolean swapped() {
    return !aside.isEmpty();
  }

  private String names() {
    List<String> n = new ArrayList<>();
    aside.keySet().forEach(p -> n.add(p.getFileName().toString().replace("-0.2.0-SNAPSHOT.jar", "")));
    return String.join(", ", n);
  }

  /** The running daemon's threads (jstack, bounded), saved next to the soak's log; returns the file. */
  Path threadDump(Path dir, String prefix) throws Exception {
    Path out = dir.resolve(prefix + "-threads-" + daemon.pid() + "-" + System.currentTimeMillis() + ".txt");
    Path jstack = Path.of(System.getProperty("java.home"), "bin", "jstack");
    Process p = new ProcessBuilder(jstack.toString(), Long.toString(daemon.pid())).redirectErrorStream(true)
        .redirectOutput(out.toFile()).start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    journal.event("threads of lmctfyd pid " + daemon.pid() + " saved to " + out);
    return out;
  }

  /** The daemons' logs, oldest first. */
  List<Path> logs() throws IOException {
    try (Stream<Path> s = Files.list(dist.home)) {
      return s.filter(p -> p.getFileName().toString().startsWith("lmctfyd") && p.toString().endsWith(".log"))
          .sorted((a, b) -> {
            try {
              return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b));
            } catch (IOException e) {
              return 0;
            }
          }).toList();
    }
  }

  /** What the daemons' recovery at start did (their "recovery: ..." log lines). */
  List<String> recoveries() throws IOException {
    List<String> out = new ArrayList<>();
    for (Path log : logs()) {
      out.addAll(recoveries(log));
    }
    return out;
  }

  /** What the running daemon's recovery did. */
  List<String> currentRecoveries() throws IOException {
    return currentLog == null ? List.of() : recoveries(currentLog);
  }

  private static List<String> recoveries(Path log) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      int i = line.indexOf("recovery: ");
      if (i >= 0) {
        out.add(line.substring(i + 10));
      }
    }
    return out;
  }

  /** Copies the daemons' logs next to the soak's log, which outlives the distribution's copy. */
  void saveLogs(Path dir, String prefix) throws IOException {
    int i = 0;
    for (Path log : logs()) {
      Files.copy(log, dir.resolve(prefix + "-lmctfyd-" + (i++) + ".log"), StandardCopyOption.REPLACE_EXISTING);
    }
  }
}

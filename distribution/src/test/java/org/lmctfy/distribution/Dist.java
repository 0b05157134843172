package org.lmctfy.distribution;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The built distribution (a private copy, so tests may change its bundle/ and etc/), driven as a user
 * drives it: bin/lmctfy and bin/lmctfyd as processes. Every process is bounded in time.
 */
final class Dist implements AutoCloseable {
  static final long COMMAND_TIMEOUT_S = 60;

  final Path home;
  private final List<Process> daemons = new ArrayList<>();
  /** The daemons' standard output after their ready line (Gogo's answers). */
  final java.util.concurrent.ConcurrentLinkedQueue<String> output = new java.util.concurrent.ConcurrentLinkedQueue<>();

  record Result(int code, String out, String err) {}

  private Dist(Path home) {
    this.home = home;
  }

  /** A copy of the distribution in a fresh directory readable by every user (for setpriv tests). */
  static Dist copy() throws IOException {
    Path built = Path.of(System.getProperty("lmctfy.dist", "target/lmctfy-0.2.0-SNAPSHOT"));
    if (!Files.isExecutable(built.resolve("bin/lmctfy"))) {
      throw new IllegalStateException("No built distribution at " + built + " (run mvn package first)");
    }
    Path dir = Files.createTempDirectory("lmctfy-dist-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (Stream<Path> s = Files.walk(built)) {
      for (Path p : s.toList()) {
        Path target = dir.resolve(built.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    Path tmp = Files.createDirectory(dir.resolve("tmp"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx")); // setpriv's user too
    return new Dist(dir);
  }

  Path bundle(String prefix) throws IOException {
    try (Stream<Path> s = Files.list(home.resolve("bundle"))) {
      return s.filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst()
          .orElseThrow(() -> new IOException("no bundle " + prefix + " in " + home.resolve("bundle")));
    }
  }

  Path example(String prefix) throws IOException {
    try (Stream<Path> s = Files.list(home.resolve("examples"))) {
      return s.filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst().orElseThrow();
    }
  }

  /**
   * A process of the distribution, run in its directory with its own temporary directory (the framework's
   * cache, jffi's library), so that whatever it leaves there, even killed, goes with the copy.
   */
  ProcessBuilder process(List<String> argv) {
    ProcessBuilder pb = new ProcessBuilder(argv).directory(home.toFile());
    pb.environment().remove("LMCTFY_SOCKET");
    pb.environment().put("JAVA_OPTS", "-Djava.io.tmpdir=" + home.resolve("tmp"));
    return pb;
  }

  /** Runs bin/lmctfy (optionally through a prefix such as setpriv) and waits for it, bounded. */
  Result run(List<String> prefix, String stdin, String... args) throws Exception {
    List<String> argv = new ArrayList<>(prefix);
    argv.add(home.resolve("bin/lmctfy").toString());
    argv.addAll(List.of(args));
    Process p = process(argv).start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    if (!p.waitFor(COMMAND_TIMEOUT_S, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("lmctfy " + String.join(" ", args) + " did not finish in " + COMMAND_TIMEOUT_S + " s");
    }
    // The JVM's own notice when the environment sets JAVA_TOOL_OPTIONS (the v2 guest does) is not lmctfy's.
    String e = err.get(10, TimeUnit.SECONDS).replaceAll("(?m)^Picked up (JAVA_TOOL_OPTIONS|_JAVA_OPTIONS): .*\\R", "");
    return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS), e);
  }

  /** Everything lmctfyd logged in this distribution (its log files, {@code lmctfyd*.log}). */
  String daemonLog() throws IOException {
    StringBuilder all = new StringBuilder();
    try (var s = Files.newDirectoryStream(home, "lmctfyd*.log")) {
      for (Path p : s) {
        all.append(Files.readString(p));
      }
    }
    return all.toString();
  }

  private static String readAll(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "<" + e + ">";
    }
  }

  /** Starts bin/lmctfyd and waits for its "ready" line (bounded); its stderr goes to a log file. */
  Process startDaemon(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(home.resolve("bin/lmctfyd").toString()));
    argv.addAll(List.of(args));
    Path log = Files.createTempFile(home, "lmctfyd", ".log");
    Process p = process(argv).redirectError(log.toFile()).start();
    daemons.add(p);
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
      try {
        for (String l; (l = r.readLine()) != null; ) {
          if (l.startsWith("lmctfyd ready on ")) {
            return l;
          }
        }
        return null;
      } catch (IOException e) {
        return null;
      }
    });
    String first;
    try {
      first = line.get(120, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      p.destroyForcibly();
      throw new AssertionError("lmctfyd did not get ready in 120 s: " + Files.readString(log));
    }
    if (first == null || !first.startsWith("lmctfyd ready on ")) {
      p.waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("lmctfyd did not start (" + first + "): " + Files.readString(log));
    }
    // Keep draining stdout (Gogo's output) so the daemon never blocks on a full pipe; tests may read it.
    Thread drain = new Thread(() -> {
      try {
        for (String l; (l = r.readLine()) != null; ) {
          output.add(l);
        }
      } catch (IOException e) {
        // closed
      }
    });
    drain.setDaemon(true);
    drain.start();
    return p;
  }

  /** Stops a daemon with SIGTERM; returns its exit code. */
  static int stop(Process p) throws Exception {
    p.destroy();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("lmctfyd did not stop within 60 s of SIGTERM");
    }
    return p.exitValue();
  }

  /** Waits (bounded) until a condition holds; polls every 50 ms. */
  static void await(String what, long timeoutMs, java.util.concurrent.Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (System.nanoTime() < deadline) {
      if (condition.call()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("Timed out after " + timeoutMs + " ms waiting for: " + what);
  }

  @Override
  public void close() throws Exception {
    for (Process p : daemons) {
      if (p.isAlive()) {
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
    try (Stream<Path> s = Files.walk(home)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}

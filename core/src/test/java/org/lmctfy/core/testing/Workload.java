package org.lmctfy.core.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;

/**
 * A bounded test workload that runs entirely inside a container: a shell waits on stdin, is entered into
 * the container, and only then execs the command. Killed and reaped on close.
 */
public final class Workload implements AutoCloseable {
  public final Process process;

  private Workload(Process process) {
    this.process = process;
  }

  /** Starts {@code command} inside {@code container}; {@code timeoutSeconds} bounds it in any case. */
  public static Workload start(Container container, long timeoutSeconds, String... command)
      throws IOException, ContainerException {
    List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "read go; exec timeout -s KILL "
        + timeoutSeconds + " \"$@\"", "sh"));
    argv.addAll(List.of(command));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    Workload w = new Workload(p);
    try {
      container.enter(List.of(p.pid()));
      OutputStream in = p.getOutputStream();
      in.write("go\n".getBytes());
      in.flush();
    } catch (ContainerException | IOException | RuntimeException e) {
      w.close();
      throw e;
    }
    return w;
  }

  /** The pid of the command (the shell execs timeout, which forks the command). */
  public long commandPid() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      List<ProcessHandle> children = process.toHandle().children().toList();
      if (!children.isEmpty()) {
        return children.get(0).pid();
      }
      Thread.sleep(10);
    }
    throw new IOException("the workload's command did not start");
  }

  /**
   * Waits, at most {@code seconds}, for a process (this JVM's child or not) to end; TimeoutException
   * otherwise. Returns at once when it is already gone.
   */
  public static void awaitExit(long pid, long seconds) throws Exception {
    var h = ProcessHandle.of(pid);
    if (h.isPresent()) {
      h.get().onExit().get(seconds, TimeUnit.SECONDS);
    }
  }

  /** user+system CPU ticks of a process (/proc/PID/stat fields 14 and 15). */
  public static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

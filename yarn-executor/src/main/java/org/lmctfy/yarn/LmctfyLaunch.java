package org.lmctfy.yarn;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.util.Shell;
import org.apache.hadoop.yarn.api.records.ContainerExitStatus;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.proto.MemoryStats;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.spi.exec.HelperProcess;
import org.lmctfy.spi.exec.Namespaces;

/**
 * One YARN container's launch script run inside its lmctfy container: what {@code DefaultContainerExecutor}
 * runs with a {@code ShellCommandExecutor}, started instead as a child of the NodeManager through lmctfy's held
 * exec helper, which lmctfyd places into the container before it execs (so the first instruction of the script
 * already runs inside, and so does every process it forks). Waiting for it gives the script's exit code; a
 * container that the kernel's OOM killer ended (lmctfy's memory statistics say so) exits with YARN's
 * {@link ContainerExitStatus#KILLED_EXCEEDED_PMEM} and a diagnostic naming lmctfy and the limit.
 */
final class LmctfyLaunch implements Shell.CommandExecutor {
  private final Lmctfyd lmctfyd;
  private final Container container;
  private final List<String> command;
  private final Map<String, String> environment;
  private final File workDir;
  private final long askMb;
  private int exitCode;
  private String diagnostic = "";

  LmctfyLaunch(Lmctfyd lmctfyd, Container container, List<String> command, Map<String, String> environment,
      File workDir, long askMb) {
    this.lmctfyd = lmctfyd;
    this.container = container;
    this.command = command;
    this.environment = environment;
    this.workDir = workDir;
    this.askMb = askMb;
  }

  @Override
  public void execute() throws IOException {
    List<String> argv = new ArrayList<>(command);
    argv.set(0, onPath(argv.get(0)));
    // As a ShellCommandExecutor: the NodeManager's environment with the container's on top. The launch script
    // redirects the container's own output to its log directory; the wrappers' goes nowhere (detached).
    Map<String, String> env = new HashMap<>(System.getenv());
    if (environment != null) {
      env.putAll(environment);
    }
    HelperProcess.Started started;
    try {
      started = lmctfyd.call(api -> HelperProcess.startHeld(lmctfyd.execHelper(),
          pid -> container.enter(List.of(pid)), Namespaces.NONE, argv,
          RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build(), env,
          workDir == null ? null : workDir.toPath()));
    } catch (ContainerException e) {
      exitCode = -1;
      throw new IOException("lmctfy: cannot start " + argv + " in container " + container.name() + ": "
          + e.getMessage(), e);
    }
    try {
      exitCode = started.helper().waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exitCode = -1;
      throw new IOException("interrupted while container " + container.name() + " ran", e);
    }
    Optional<String> oom = oomKill();
    if (oom.isPresent()) {
      exitCode = ContainerExitStatus.KILLED_EXCEEDED_PMEM;
      diagnostic = oom.get();
    }
    if (exitCode != 0) {
      throw new Shell.ExitCodeException(exitCode, diagnostic);
    }
  }

  /** Asks lmctfy whether the OOM killer ended the container (before it is destroyed). */
  private Optional<String> oomKill() {
    if (exitCode == 0) {
      return Optional.empty();
    }
    try {
      MemoryStats memory = lmctfyd.call(api -> container.stats(StatsType.SUMMARY).getMemory());
      return OomDiagnosis.of(container.name(), exitCode, memory, askMb);
    } catch (IOException | ContainerException e) {
      // The exit code stands; say why it could not be explained.
      diagnostic = "lmctfy: could not read the memory statistics of " + container.name() + ": " + e.getMessage();
      return Optional.empty();
    }
  }

  /** The program's absolute path (YARN's run command starts with "bash"); the exec helper takes no search. */
  static String onPath(String program) throws IOException {
    if (program.startsWith("/")) {
      return program;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      Path p = Path.of(dir, program);
      if (!dir.isEmpty() && Files.isExecutable(p)) {
        return p.toAbsolutePath().toString();
      }
    }
    throw new IOException("lmctfy: no " + program + " on the NodeManager's PATH");
  }

  @Override
  public int getExitCode() {
    return exitCode;
  }

  /** Nothing: the container's output is in its log directory; the diagnostic is the exception's message. */
  @Override
  public String getOutput() {
    return "";
  }

  @Override
  public void close() {}
}

package org.lmctfy.launcher.client;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.launcher.daemon.Posix;
import org.lmctfy.spi.exec.HelperProcess;
import org.lmctfy.spi.exec.Namespaces;

/** This JVM as the client process (the Java CLI, embedded or through lmctfyd). */
public final class LocalProcess implements ClientProcess {
  private final Path execHelper;

  /** @param execHelper the distribution's {@code libexec/lmctfy-exec}, or null */
  public LocalProcess(Path execHelper) {
    this.execHelper = execHelper;
  }

  @Override
  public long pid() {
    return ProcessHandle.current().pid();
  }

  @Override
  public long parentPid() {
    return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L);
  }

  @Override
  public boolean root() {
    return Posix.get().getuid() == 0;
  }

  @Override
  public List<Long> threads() throws ContainerException {
    List<Long> tids = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("/proc/self/task"))) {
      s.forEach(p -> tids.add(Long.parseLong(p.getFileName().toString())));
    } catch (IOException e) {
      throw ContainerException.internal("cannot list this process's threads: " + e, e);
    }
    return tids;
  }

  @Override
  public byte[] readInput(String file) throws ContainerException {
    try {
      return file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
    } catch (IOException e) {
      throw ContainerException.notFound("Cannot read the spec file " + file + ": " + e.getMessage());
    }
  }

  @Override
  public OutputStream stdout() {
    return System.out;
  }

  @Override
  public boolean hasExecHelper() {
    return execHelper != null && Files.isExecutable(execHelper);
  }

  @Override
  public HelperProcess.Started startHeld(HelperProcess.Placement placement, Namespaces namespaces,
      List<String> command, RunSpec spec) throws ContainerException {
    return HelperProcess.startHeld(execHelper, placement, namespaces, command, spec, null, null);
  }

  @Override
  public void exec(List<String> command) throws ContainerException {
    jnr.posix.POSIX posix = Posix.get();
    String[] env = System.getenv().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .toArray(String[]::new);
    int rc = posix.execve(command.get(0), command.toArray(new String[0]), env);
    int errno = posix.errno();
    throw new ContainerException(errno == 2 ? StatusCode.NOT_FOUND : errno == 13 ? StatusCode.PERMISSION_DENIED
        : StatusCode.INTERNAL, "execve " + command.get(0) + " failed (" + rc + ", errno " + errno + ")");
  }

  @Override
  public void exitWith(HelperProcess.Started started) throws ContainerException {
    try {
      System.exit(started.helper().waitFor()); // the relay ends as the command ends: its status, or 128 + signal
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerException(StatusCode.CANCELLED, "interrupted while the command ran");
    }
  }
}

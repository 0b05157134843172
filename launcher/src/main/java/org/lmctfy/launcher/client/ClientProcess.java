package org.lmctfy.launcher.client;

import java.io.OutputStream;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.spi.exec.HelperProcess;
import org.lmctfy.spi.exec.Namespaces;

/**
 * The process of the user who typed the command: this JVM ({@link LocalProcess}), or the native client that
 * lmctfyd runs a command line for. What the CLI does with "its own" process, pid, parent, stdin and exec
 * helper goes through here, so the same commands serve both.
 */
public interface ClientProcess {
  /** The client's pid (its container resolves relative names). */
  long pid();

  /** The client's parent: the caller's shell (detect, enter, spec without arguments). */
  long parentPid() throws ContainerException;

  /** Whether the client runs as root (joining a virtual host's namespaces needs it). */
  boolean root();

  /** The client's threads (a foreground run enters them all before the exec). */
  List<Long> threads() throws ContainerException;

  /**
   * A spec file as the client reads it (its user, its working directory), {@code "-"} its standard input.
   *
   * @throws ContainerException NOT_FOUND naming the file when it cannot be read
   */
  byte[] readInput(String file) throws ContainerException;

  /** The client's standard output, for bytes (spec -b). */
  OutputStream stdout();

  /** Whether {@link #startHeld} can start commands (the distribution's exec helper is there). */
  boolean hasExecHelper();

  /**
   * Starts {@code command} through a held exec helper in the client, as the client's user with its
   * environment and working directory; {@code placement} puts it into the container before it execs.
   */
  HelperProcess.Started startHeld(HelperProcess.Placement placement, Namespaces namespaces, List<String> command,
      RunSpec spec) throws ContainerException;

  /** The client becomes {@code command} (already placed in its container). Returns only by throwing. */
  void exec(List<String> command) throws ContainerException;

  /** The client waits for the helper {@code started} and ends with its status. Returns only by throwing. */
  void exitWith(HelperProcess.Started started) throws ContainerException;

  /**
   * Runs {@code r} once if the client goes away while the command runs (a native client's Ctrl-C ends its
   * connection): a command that waits for events stops waiting. This JVM's own process never calls it.
   */
  default void onGone(Runnable r) {}

  /**
   * Thrown when the client's process has been handed what it does next (exec, wait for a helper, the Java
   * CLI): the command ends here without an exit code of its own.
   */
  final class TakenOver extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TakenOver() {
      super("the client process took over", null, false, false);
    }
  }
}

package org.lmctfy.launcher.cli;

import java.io.PrintWriter;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.launcher.client.ClientProcess;
import org.lmctfy.launcher.runtime.Session;
import picocli.CommandLine;

/** Entry point of {@code lmctfy}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** -h/--help on every command (lmctfy's --lmctfy_print_help), each with its example in the footer. */
  private static void addHelpOption(CommandLine cl) {
    cl.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("-h", "--help", "--lmctfy_print_help")
        .usageHelp(true).description("Show this help and exit.").build());
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (!sub.getCommandSpec().optionsMap().containsKey("--help")) {
        addHelpOption(sub);
      }
    }
  }

  /** Runs one command line; returns the exit code (the numeric status code). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(args, out, err, null, null);
  }

  /**
   * lmctfyd: runs one command line for a native client, whose process is {@code client} and whose API calls
   * go through {@code session} (authorised as that client). Returns the exit code, or -1 when the client's
   * process was handed what it does next ({@link ClientProcess.TakenOver}).
   */
  public static int runFor(String[] args, PrintWriter out, PrintWriter err, ClientProcess client, Session session) {
    return run(args, out, err, client, session);
  }

  /**
   * lmctfyd's command trees, ready to parse: picocli builds a tree's model by reflection (5–10 ms, far more
   * than a command's own work), so the daemon reuses them, one per command at a time (picocli resets every
   * option and parameter to its initial value before each parse).
   */
  private static final ConcurrentLinkedQueue<CommandLine> READY = new ConcurrentLinkedQueue<>();

  private static CommandLine newTree() {
    CommandLine cl = new CommandLine(new LmctfyCommand());
    addHelpOption(cl);
    return cl;
  }

  private static int run(String[] args, PrintWriter out, PrintWriter err, ClientProcess client, Session session) {
    CommandLine cl = client == null ? null : READY.poll();
    if (cl == null) {
      cl = newTree();
    }
    LmctfyCommand root = cl.getCommand();
    if (client != null) {
      root.runFor(client, session);
    }
    try {
      return run(cl, root, args, out, err, client != null);
    } finally {
      if (client != null) {
        root.runFor(null, null);
        READY.add(cl);
      }
    }
  }

  private static int run(CommandLine cl, LmctfyCommand root, String[] args, PrintWriter out, PrintWriter err,
      boolean forClient) {
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      if (ex instanceof ClientProcess.TakenOver) {
        return -1;
      }
      if (ex instanceof ContainerException) {
        ContainerException e = (ContainerException) ex;
        err.println(e.code() + ": " + e.getMessage());
        err.flush();
        return e.code().number();
      }
      err.println(StatusCode.INTERNAL + ": " + ex);
      err.flush();
      return StatusCode.INTERNAL.number();
    });
    cl.setParameterExceptionHandler((ex, argv) -> {
      if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.isUnknownOption()
          && !ex.getCommandLine().getSubcommands().isEmpty() && !u.getUnmatched().isEmpty()) {
        // lmctfy: an unknown command is NOT_FOUND (exit 5).
        err.println(StatusCode.NOT_FOUND + ": Unknown command '" + u.getUnmatched().get(0) + "' (see lmctfy help)");
        err.flush();
        return StatusCode.NOT_FOUND.number();
      }
      err.println(StatusCode.INVALID_ARGUMENT + ": " + ex.getMessage());
      ex.getCommandLine().usage(err);
      err.flush();
      return StatusCode.INVALID_ARGUMENT.number();
    });
    try {
      return cl.execute(args);
    } finally {
      if (!forClient) {
        root.close(); // the daemon's session belongs to the daemon
      }
    }
  }
}

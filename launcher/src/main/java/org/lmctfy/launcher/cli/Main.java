package org.lmctfy.launcher.cli;

import java.io.PrintWriter;
import java.io.Writer;
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
  private static final ConcurrentLinkedQueue<Tree> READY = new ConcurrentLinkedQueue<>();

  /**
   * A command tree with its writers and handlers set once: picocli sets each on every command of the tree
   * (copying each command's map of subcommands), four walks per command line when set for each. A command
   * line only points the tree's writers at its own.
   */
  private static final class Tree {
    final CommandLine cl = new CommandLine(new LmctfyCommand());
    final LmctfyCommand root = cl.getCommand();
    final To out = new To();
    final To err = new To();

    Tree() {
      addHelpOption(cl);
      cl.setOut(new PrintWriter(out));
      cl.setErr(new PrintWriter(err));
      PrintWriter e = cl.getErr();
      cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
        if (ex instanceof ClientProcess.TakenOver) {
          return -1;
        }
        if (ex instanceof ContainerException) {
          ContainerException c = (ContainerException) ex;
          e.println(c.code() + ": " + c.getMessage());
          e.flush();
          return c.code().number();
        }
        e.println(StatusCode.INTERNAL + ": " + ex);
        e.flush();
        return StatusCode.INTERNAL.number();
      });
      cl.setParameterExceptionHandler((ex, argv) -> {
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.isUnknownOption()
            && !ex.getCommandLine().getSubcommands().isEmpty() && !u.getUnmatched().isEmpty()) {
          // lmctfy: an unknown command is NOT_FOUND (exit 5).
          e.println(StatusCode.NOT_FOUND + ": Unknown command '" + u.getUnmatched().get(0) + "' (see lmctfy help)");
          e.flush();
          return StatusCode.NOT_FOUND.number();
        }
        e.println(StatusCode.INVALID_ARGUMENT + ": " + ex.getMessage());
        ex.getCommandLine().usage(e);
        e.flush();
        return StatusCode.INVALID_ARGUMENT.number();
      });
    }
  }

  /** The writer of the command line being run (none between command lines). */
  private static final class To extends Writer {
    private static final PrintWriter NONE = new PrintWriter(Writer.nullWriter());
    private volatile PrintWriter to = NONE;

    @Override
    public void write(char[] cbuf, int off, int len) {
      to.write(cbuf, off, len);
    }

    @Override
    public void write(String str, int off, int len) {
      to.write(str, off, len);
    }

    @Override
    public void flush() {
      to.flush();
    }

    @Override
    public void close() {
      to.flush(); // the command line's writer belongs to its caller
    }
  }

  private static int run(String[] args, PrintWriter out, PrintWriter err, ClientProcess client, Session session) {
    Tree t = client == null ? null : READY.poll();
    if (t == null) {
      t = new Tree();
    }
    t.out.to = out;
    t.err.to = err;
    if (client != null) {
      t.root.runFor(client, session);
    }
    try {
      return t.cl.execute(args);
    } finally {
      t.out.to = To.NONE;
      t.err.to = To.NONE;
      if (client != null) {
        t.root.runFor(null, null);
        READY.add(t);
      } else {
        t.root.close(); // the embedded command line's own session (a client's belongs to the daemon)
      }
    }
  }
}

package org.lmctfy.launcher.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.SpecFormat;
import java.util.Map;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.launcher.client.ClientProcess;
import org.lmctfy.launcher.client.LocalProcess;
import org.lmctfy.launcher.client.RemoteSession;
import org.lmctfy.launcher.daemon.Lmctfyd;
import org.lmctfy.launcher.runtime.Home;
import org.lmctfy.launcher.runtime.OsgiRuntime;
import org.lmctfy.launcher.runtime.Session;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lmctfy}: lmctfy's command tree (reference §4), its flags and exit codes (the numeric status
 * code, errors on stderr as {@code <CODE>: <message>}).
 */
@Command(name = "lmctfy", mixinStandardHelpOptions = false, sortOptions = false,
    description = "Let Me Contain That For You: create, run in, inspect and destroy containers.",
    subcommands = {
        ContainerCommands.Create.class, ContainerCommands.Destroy.class, ContainerCommands.Detect.class,
        ContainerCommands.Enter.class, ContainerCommands.Init.class, ContainerCommands.KillAll.class,
        ListCommands.class, NotifyCommands.class, ContainerCommands.Pause.class, ContainerCommands.Resume.class,
        ContainerCommands.Run.class, ContainerCommands.SpecCommand.class, StatsCommands.class,
        UpdateCommands.class, ContainerCommands.Version.class, ContainerCommands.Completion.class,
        CommandLine.HelpCommand.class},
    footer = {"", "Exit code: the status code (0 OK, 3 INVALID_ARGUMENT, 5 NOT_FOUND, 6 ALREADY_EXISTS,"
        + " 9 FAILED_PRECONDITION, 12 UNIMPLEMENTED, 14 UNAVAILABLE, ...).",
        "Example: lmctfy create /job 'cpu { limit: 500 } memory { limit: 100000000 }'"})
public final class LmctfyCommand implements Callable<Integer> {
  static final String VERSION = "0.2.0-SNAPSHOT";

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "-l", description = "Long output: key | value.") boolean styleLong;
  @Option(names = "-p", description = "Pairs output: key=\"value\" (the default).") boolean stylePairs;
  @Option(names = "-v", description = "Values output: values only.") boolean styleValues;
  @Option(names = {"-V", "--lmctfy_version"}, description = "Print the version and exit.") boolean version;
  @Option(names = "--output", paramLabel = "FORMAT", description = "text (lmctfy's styles, the default) or json:"
      + " JSON Lines for pairs, JSON for spec and stats.") String format = "text";

  @Option(names = "--cgroup-root", description = "Embedded: cgroup path of container / (default: $LMCTFY_CGROUP_ROOT,"
      + " else cgroup.root of etc/org.lmctfy.core.cfg, else /).", defaultValue = "${env:LMCTFY_CGROUP_ROOT}")
  String cgroupRoot;

  @Option(names = "--state-dir", description = "Embedded: records and locks (default: $LMCTFY_STATE_DIR, else"
      + " state.dir of etc/org.lmctfy.core.cfg, else /run/lmctfy).", defaultValue = "${env:LMCTFY_STATE_DIR}")
  Path stateDir;

  @Option(names = "--socket", paramLabel = "PATH", description = "lmctfyd's socket (default: $LMCTFY_SOCKET, else"
      + " socket.path of etc/org.lmctfy.daemon.cfg, else /run/lmctfy/lmctfy.sock). When a daemon answers there,"
      + " commands go to it; otherwise they run embedded.")
  Path socket;

  @Option(names = "--embedded", description = "Run embedded (boot the framework in this process) even when lmctfyd"
      + " answers.")
  boolean embedded;

  private Session session;
  /** The process of the user who typed the command (this JVM unless lmctfyd runs it for a client). */
  private ClientProcess client = new LocalProcess(null);

  /** lmctfyd: the command runs for a native client, with a session that authorises as that client. */
  void runFor(ClientProcess client, Session session) {
    this.client = client == null ? new LocalProcess(null) : client;
    this.session = session;
  }

  ClientProcess client() {
    return client;
  }

  @Override
  public Integer call() {
    if (version) {
      out().println("lmctfy version " + VERSION);
      out().flush();
      return 0;
    }
    spec.commandLine().usage(out());
    return 0;
  }

  /** The daemon's API when its socket answers, else an embedded framework's. */
  Session session() throws ContainerException {
    if (session == null) {
      Home home = Home.fromSystem();
      if (!embedded) {
        Path sock = socket;
        if (sock == null) {
          String env = System.getenv("LMCTFY_SOCKET");
          sock = Path.of(env != null && !env.isBlank() ? env
              : home.config("org.lmctfy.daemon").getOrDefault("socket.path", Lmctfyd.DEFAULT_SOCKET));
        }
        session = RemoteSession.connect(sock, home.execHelper()).orElse(null);
      }
      if (session == null) {
        Map<String, String> props = OsgiRuntime.coreDefaults(home);
        if (cgroupRoot != null) {
          props.put("lmctfy.cgroup.root", cgroupRoot);
        }
        if (stateDir != null) {
          props.put("lmctfy.state.dir", stateDir.toString());
        }
        session = Session.embedded(OsgiRuntime.start(home, OsgiRuntime.Mode.EMBEDDED, props, 10_000));
      }
    }
    return session;
  }

  ContainerApi api() throws ContainerException {
    return session().api();
  }

  com.google.protobuf.TypeRegistry typeRegistry() throws ContainerException {
    return TypeRegistries.of(extensionDescriptors());
  }

  void close() {
    if (session != null) {
      session.close();
    }
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  boolean json() throws ContainerException {
    if (!format.equals("text") && !format.equals("json")) {
      throw ContainerException.invalidArgument("--output must be text or json, not " + format);
    }
    return format.equals("json");
  }

  Output output() throws ContainerException {
    Output.Style style = json() ? Output.Style.JSON : styleValues ? Output.Style.VALUES
        : styleLong ? Output.Style.LONG : Output.Style.PAIRS;
    return new Output(out(), style);
  }

  /** A spec or stats message in the chosen format (text format, or JSON). */
  void printMessage(com.google.protobuf.Message m) throws ContainerException {
    if (json()) {
      try {
        out().println(com.google.protobuf.util.JsonFormat.printer().usingTypeRegistry(
            com.google.protobuf.util.JsonFormat.TypeRegistry.newBuilder().add(extensionDescriptors()).build())
            .print(m));
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw ContainerException.internal("cannot print JSON: " + e.getMessage(), e);
      }
    } else {
      out().print(SpecFormat.print(m, typeRegistry()));
    }
    out().flush();
  }

  java.util.List<com.google.protobuf.Descriptors.Descriptor> extensionDescriptors() throws ContainerException {
    return session().extensionTypes();
  }

  /** lmctfy's spec input: the argument, or -c FILE ("-" = stdin), exactly one of them. */
  byte[] specInput(String inline, String configFile, boolean required) throws ContainerException {
    if (inline != null && configFile != null) {
      throw ContainerException.invalidArgument("Give the spec either inline or with -c, not both");
    }
    if (configFile != null) {
      return client.readInput(configFile);
    }
    if (inline == null) {
      if (required) {
        throw ContainerException.invalidArgument("Missing spec: give it inline or with -c FILE (or -c - for stdin)");
      }
      return new byte[0];
    }
    return inline.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Text format (then binary), as lmctfy; or JSON when the input is a JSON object. */
  <B extends com.google.protobuf.Message.Builder> B parse(byte[] input, B builder) throws ContainerException {
    return SpecParser.parse(input, builder, extensionDescriptors());
  }
}

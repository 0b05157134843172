package org.lmctfy.launcher.daemon;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.daemon.config.DaemonSettings;
import org.lmctfy.launcher.runtime.Home;
import org.lmctfy.launcher.runtime.OsgiRuntime;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lmctfyd}: runs the framework with hot deploy (FileInstall on {@code bundle/}, ConfigAdmin from
 * {@code etc/}) and serves the API on a Unix socket until SIGTERM/SIGINT.
 */
@Command(name = "lmctfyd", mixinStandardHelpOptions = true, version = "lmctfyd 0.2.0-SNAPSHOT",
    description = "The lmctfy daemon: serves the container API on a Unix socket (varint-delimited protobuf,"
        + " lmctfyd.proto) and hot-deploys the bundles of bundle/. Settings: etc/org.lmctfy.daemon.cfg"
        + " (socket.path, socket.mode, socket.group, log.level) and etc/org.lmctfy.core.cfg (cgroup.root,"
        + " state.dir); flags override them.",
    footer = "Example: lmctfyd --socket /run/lmctfy/lmctfy.sock")
public final class Lmctfyd implements Callable<Integer> {
  public static final String DEFAULT_SOCKET = DaemonSettings.DEFAULT_SOCKET;

  @Option(names = "--socket", paramLabel = "PATH", description = "The socket (default: socket.path, else "
      + DEFAULT_SOCKET + ").")
  Path socket;
  @Option(names = "--cgroup-root", description = "cgroup path of container / (default: etc's cgroup.root, else /).")
  String cgroupRoot;
  @Option(names = "--state-dir", description = "Records and locks (default: etc's state.dir, else /run/lmctfy).")
  String stateDir;
  @Option(names = "--shell", description = "Also read Gogo shell commands from stdin (lmctfy:list /, lb, ...).")
  boolean shell;

  public static void main(String[] args) {
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
    int rc = new CommandLine(new Lmctfyd()).setExecutionExceptionHandler((ex, cl, pr) -> {
      if (ex instanceof ContainerException e) {
        System.err.println(e.code() + ": " + e.getMessage());
        return e.code().number();
      }
      System.err.println(StatusCode.INTERNAL + ": " + ex);
      return StatusCode.INTERNAL.number();
    }).execute(args);
    if (rc != 0 || !served) {
      System.exit(rc);
    }
  }

  private static volatile boolean served;

  @Override
  public Integer call() throws Exception {
    Home home = Home.fromSystem();
    // Validated whole before anything starts (the socket is bound before the framework runs): a bad value is refused
    // naming its key. Inside the framework the same DaemonConfig describes the PID (metatype) and takes changes.
    DaemonSettings settings = DaemonSettings.from(home.config(DaemonSettings.PID));
    Logger.getLogger("lmctfyd").setLevel(settings.logLevel());
    Path sock = socket != null ? socket : settings.socketPath();
    Map<String, String> props = OsgiRuntime.coreDefaults(home);
    if (cgroupRoot != null) {
      props.put("lmctfy.cgroup.root", cgroupRoot);
    }
    if (stateDir != null) {
      props.put("lmctfy.state.dir", stateDir);
    }
    Holder holder = new Holder();
    // The socket (and its lock) first: a second daemon refuses before booting anything.
    DaemonServer server = new DaemonServer(sock, settings.socketMode(), settings.socketGroup(), holder);
    OsgiRuntime runtime;
    try {
      runtime = OsgiRuntime.start(home, OsgiRuntime.Mode.DAEMON, props, 30_000);
    } catch (ContainerException | RuntimeException e) {
      server.close();
      throw e;
    }
    holder.runtime = runtime;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      // System.err: java.util.logging is reset by its own shutdown hook.
      System.err.println("lmctfyd: stopping (requests in flight finish; containers are untouched)");
      server.close();
      runtime.close();
      System.err.println("lmctfyd: stopped");
      stopped.countDown();
    }, "lmctfyd-shutdown"));
    server.start();
    served = true;
    System.out.println("lmctfyd ready on " + server.socket());
    System.out.flush();
    if (shell) {
      shell(runtime.context());
    }
    stopped.await();
    return 0;
  }

  /** Gogo's CommandProcessor (a bundle's service, reached by reflection: its classes live in the framework). */
  private static void shell(BundleContext ctx) throws Exception {
    ServiceReference<?> ref = ctx.getServiceReference("org.apache.felix.service.command.CommandProcessor");
    if (ref == null) {
      throw ContainerException.unavailable("The Gogo shell bundles are not running (lib/osgi/)");
    }
    // The lmctfy:* commands come from the shell bundle's component: wait (bounded) for them.
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (ctx.getServiceReferences((String) null, "(osgi.command.scope=lmctfy)") == null
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    Object processor = ctx.getService(ref);
    Object session = processor.getClass().getMethod("createSession", java.io.InputStream.class,
        java.io.OutputStream.class, java.io.OutputStream.class).invoke(processor, System.in, System.out, System.err);
    Method execute = session.getClass().getMethod("execute", CharSequence.class);
    Method format = session.getClass().getMethod("format", Object.class, int.class);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = System.out;
    out.print("g! ");
    out.flush();
    for (String line; (line = in.readLine()) != null; ) {
      if (!line.isBlank()) {
        try {
          Object result = execute.invoke(session, line);
          if (result != null) {
            out.println(format.invoke(session, result, 0));
          }
        } catch (java.lang.reflect.InvocationTargetException e) {
          out.println("gogo: " + e.getCause());
        }
      }
      out.print("g! ");
      out.flush();
    }
  }

  /** The API of whichever core is registered now. */
  private static final class Holder implements Dispatcher.Api {
    volatile OsgiRuntime runtime;

    @Override
    public ContainerApi api() throws ContainerException {
      OsgiRuntime r = runtime;
      if (r == null) {
        throw ContainerException.unavailable("lmctfyd is starting");
      }
      return r.api();
    }

    @Override
    public List<com.google.protobuf.Descriptors.Descriptor> extensionTypes() {
      OsgiRuntime r = runtime;
      return r == null ? List.of() : r.extensionTypes();
    }
  }
}

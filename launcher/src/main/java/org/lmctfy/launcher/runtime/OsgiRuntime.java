package org.lmctfy.launcher.runtime;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.util.tracker.ServiceTracker;

/**
 * An embedded Apache Felix (framework factory, in this JVM) running the distribution's bundles.
 *
 * <p>The API/SPI ({@code org.lmctfy.api*}, {@code org.lmctfy.spi*}), protobuf-java and jnr-posix are on the
 * launcher's class path and exported by the system bundle, so that the launcher and the bundles share
 * these classes: the launcher calls the {@code ContainerApi} service directly, and the core's
 * {@code Container.exec} gets jnr-posix without embedding it. Everything else, the core, every controller
 * and every vendor plugin, is a bundle of {@code bundle/}.
 *
 * <p>{@link Mode#EMBEDDED} (the CLI without a daemon) installs and starts {@code bundle/} directly.
 * {@link Mode#DAEMON} adds ConfigAdmin, FileInstall and Gogo: FileInstall applies {@code etc/*.cfg} and
 * installs, updates and uninstalls the jars of {@code bundle/} as they are dropped, replaced or deleted.
 */
public final class OsgiRuntime implements AutoCloseable {
  /** How the framework is run. */
  public enum Mode { EMBEDDED, DAEMON }

  /**
   * Bundles of lib/osgi/ that only the daemon runs (hot deploy, configuration and its metatype, shell, lmctfyd's own
   * configuration).
   */
  private static final Set<String> DAEMON_ONLY = Set.of("org.apache.felix.fileinstall",
      "org.apache.felix.configadmin", "org.apache.felix.gogo.runtime", "org.apache.felix.gogo.command",
      "org.apache.felix.metatype", "org.osgi.service.log", "org.lmctfy.daemon.config");
  /** Class-path jars whose exports the system bundle re-exports (by Bundle-SymbolicName prefix). */
  private static final List<String> SHARED = List.of("org.lmctfy.api", "com.google.protobuf", "org.jruby.jnr",
      "com.github.jnr");

  private final Framework framework;
  private final Path storage;
  private final Home home;
  /**
   * The core's service and the resource factories, tracked: every command of the daemon asks for both, and
   * a registry look-up costs far more than the command's own work (Felix checks each candidate's class space).
   */
  private ServiceTracker<ContainerApi, ContainerApi> apiTracker;
  private ServiceTracker<ResourceHandlerFactory, ResourceHandlerFactory> factoryTracker;
  /** {@link #extensionTypes()} as of the factory tracker's count {@link #typesCount} (a swap changes it). */
  private List<com.google.protobuf.Descriptors.Descriptor> types = List.of();
  private int typesCount = -1;

  private OsgiRuntime(Framework framework, Path storage, Home home) {
    this.framework = framework;
    this.storage = storage;
    this.home = home;
  }

  /**
   * Boots the framework and waits (bounded) until the {@code ContainerApi} service and the resource factories
   * of every started bundle are registered.
   *
   * @param properties framework properties, e.g. {@code lmctfy.cgroup.root}, read by the core as defaults
   */
  public static OsgiRuntime start(Home home, Mode mode, Map<String, String> properties, long readyTimeoutMs)
      throws ContainerException {
    Path storage;
    try {
      storage = newStorage();
    } catch (IOException e) {
      throw new ContainerException(StatusCode.UNAVAILABLE, "Cannot create the framework's storage: " + e);
    }
    Map<String, String> config = new HashMap<>(properties);
    config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
    config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
    config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, sharedExports());
    config.put("lmctfy.home", home.dir().toString());
    config.putIfAbsent("felix.log.level", "1");
    if (mode == Mode.DAEMON) {
      // etc/ holds the configuration; etc/org.apache.felix.fileinstall-bundle.cfg adds the bundle/ watcher.
      config.put("felix.fileinstall.dir", home.etc().toString());
      config.put("felix.fileinstall.filter", ".*\\.cfg");
      config.putIfAbsent("felix.fileinstall.poll", "300");
      config.put("felix.fileinstall.noInitialDelay", "true");
      config.putIfAbsent("felix.fileinstall.log.level", "2");
      config.putIfAbsent("felix.fileinstall.log.default", "jul"); // stdout carries only the ready line
      // etc/ is the operator's: FileInstall must never write configurations back into it (it emptied
      // org.apache.felix.fileinstall-bundle.cfg at a shutdown when allowed to).
      config.put("felix.fileinstall.enableConfigSave", "false");
      config.put("gosh.args", "--nointeractive");
    }
    FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class, OsgiRuntime.class.getClassLoader())
        .findFirst().orElseThrow(() -> ContainerException.failedPrecondition("No OSGi framework on the class path"));
    Framework framework = factory.newFramework(config);
    OsgiRuntime runtime = new OsgiRuntime(framework, storage, home);
    try {
      framework.init();
      framework.start();
      BundleContext ctx = framework.getBundleContext();
      runtime.track(ctx);
      List<Bundle> started = new ArrayList<>();
      for (Path jar : jars(home.osgiLib())) {
        String bsn = symbolicName(jar);
        if (mode == Mode.EMBEDDED && DAEMON_ONLY.contains(bsn)) {
          continue;
        }
        started.add(ctx.installBundle(jar.toUri().toString()));
      }
      if (mode == Mode.EMBEDDED) {
        for (Path jar : jars(home.bundles())) {
          started.add(ctx.installBundle(jar.toUri().toString()));
        }
      }
      for (Bundle b : started) {
        if (b.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
          continue;
        }
        try {
          b.start();
        } catch (BundleException e) {
          System.err.println("lmctfy: bundle " + b.getSymbolicName() + " (" + b.getLocation() + ") did not start: "
              + e.getMessage());
        }
      }
      runtime.awaitReady(mode, readyTimeoutMs);
      return runtime;
    } catch (BundleException | IOException e) {
      runtime.close();
      throw new ContainerException(StatusCode.UNAVAILABLE, "Cannot start the OSGi framework: " + e.getMessage(), e);
    } catch (ContainerException | RuntimeException e) {
      runtime.close();
      throw e;
    }
  }

  /**
   * The core's settings from etc/org.lmctfy.core.cfg as framework properties {@code lmctfy.default.KEY}: the core
   * starts with them (before ConfigAdmin delivers the file in daemon mode); flags ({@code lmctfy.KEY}) win over
   * them. The exec helper defaults to the distribution's libexec/lmctfy-exec.
   */
  public static Map<String, String> coreDefaults(Home home) throws ContainerException {
    Map<String, String> props = new HashMap<>();
    props.put("lmctfy.default.exec.helper", home.execHelper().toString());
    home.config("org.lmctfy.core").forEach((k, v) -> props.put("lmctfy.default." + k, v));
    return props;
  }

  public BundleContext context() {
    return framework.getBundleContext();
  }

  public Home home() {
    return home;
  }

  private synchronized void track(BundleContext ctx) {
    apiTracker = new ServiceTracker<>(ctx, ContainerApi.class, null);
    apiTracker.open();
    factoryTracker = new ServiceTracker<>(ctx, ResourceHandlerFactory.class, null);
    factoryTracker.open();
  }

  /** The ContainerApi service, or UNAVAILABLE naming why (the core bundle is stopped or missing). */
  public ContainerApi api() throws ContainerException {
    ServiceTracker<ContainerApi, ContainerApi> t = apiTracker;
    ContainerApi api = t == null ? null : t.getService();
    if (api == null) {
      throw ContainerException.unavailable("The lmctfy core is not running (bundle org.lmctfy.core is missing,"
          + " stopped or failed to start; see " + home.bundles() + ")");
    }
    return api;
  }

  /**
   * The extension message types of every registered resource (vendor specs and stats). The same list
   * instance until a resource factory comes or goes, so that callers may cache what they derive from it.
   */
  public synchronized List<com.google.protobuf.Descriptors.Descriptor> extensionTypes() {
    ServiceTracker<ResourceHandlerFactory, ResourceHandlerFactory> t = factoryTracker;
    if (t == null) {
      return List.of();
    }
    int count = t.getTrackingCount();
    if (count != typesCount) {
      List<com.google.protobuf.Descriptors.Descriptor> out = new ArrayList<>();
      ResourceHandlerFactory[] factories = t.getServices(new ResourceHandlerFactory[0]);
      for (ResourceHandlerFactory f : factories) {
        out.addAll(f.extensionTypes());
      }
      types = List.copyOf(out);
      typesCount = count;
    }
    return types;
  }

  /**
   * Ready: the core's service is registered and so is the resource factory of every active bundle that
   * provides one; in daemon mode also every jar of bundle/ is installed (FileInstall's first scan).
   */
  private void awaitReady(Mode mode, long timeoutMs) throws ContainerException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    // Daemon: the bundles FileInstall's first scan will install, named once (each name is a jar opened).
    Map<String, Path> expected = new HashMap<>();
    if (mode == Mode.DAEMON) {
      try {
        for (Path jar : jars(home.bundles())) {
          String bsn = symbolicName(jar);
          if (bsn != null) {
            expected.put(bsn, jar);
          }
        }
      } catch (IOException e) {
        System.err.println("lmctfy: cannot list " + home.bundles() + ": " + e);
      }
    }
    String missing = null;
    while (System.nanoTime() < deadline) {
      missing = notReady(expected);
      if (missing == null) {
        return;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    System.err.println("lmctfy: the framework was not ready in " + timeoutMs + " ms: " + missing
        + "; continuing (operations needing it answer UNAVAILABLE)");
  }

  private String notReady(Map<String, Path> expected) throws ContainerException {
    BundleContext ctx = context();
    Set<String> installed = new LinkedHashSet<>();
    int providers = 0;
    for (Bundle b : ctx.getBundles()) {
      installed.add(b.getSymbolicName());
      Object cap = b.getHeaders().get(Constants.PROVIDE_CAPABILITY);
      if (b.getState() == Bundle.ACTIVE && cap != null && cap.toString().contains(ResourceHandlerFactory.class.getName())) {
        providers++;
      }
    }
    for (Map.Entry<String, Path> e : expected.entrySet()) {
      if (!installed.contains(e.getKey())) {
        return "bundle " + e.getValue().getFileName() + " is not installed yet";
      }
    }
    if (ctx.getServiceReference(ContainerApi.class) == null) {
      return "no ContainerApi service (the core bundle)";
    }
    try {
      ServiceReference<?>[] refs = ctx.getServiceReferences(ResourceHandlerFactory.class.getName(), null);
      int factories = refs == null ? 0 : refs.length;
      return factories >= providers ? null : factories + " of " + providers + " resource factories registered";
    } catch (org.osgi.framework.InvalidSyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Stops the framework (bundles stop; containers are untouched) and removes its storage. */
  @Override
  public void close() {
    synchronized (this) {
      if (apiTracker != null) {
        apiTracker.close();
        factoryTracker.close();
      }
    }
    try {
      framework.stop();
      framework.waitForStop(30_000);
    } catch (BundleException | InterruptedException e) {
      System.err.println("lmctfy: stopping the framework: " + e);
    } finally {
      deleteTree(storage);
    }
  }

  private static final String STORAGE_PREFIX = "lmctfy-felix-";

  /**
   * The framework's cache, {@code <tmp>/lmctfy-felix-<pid>-<random>}. A process that never reaches
   * {@link #close()} leaves its cache behind: a CLI whose {@code run} became the command (execve), a daemon
   * killed with SIGKILL. Every start removes the caches of processes that are gone.
   */
  private static Path newStorage() throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp, STORAGE_PREFIX + "*")) {
      for (Path d : ds) {
        String pid = d.getFileName().toString().substring(STORAGE_PREFIX.length()).split("-")[0];
        if (pid.matches("\\d{1,18}") && ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
          deleteTree(d); // best effort: another user's cache stays
        }
      }
    } catch (IOException e) {
      // an unreadable tmp directory: nothing to sweep
    }
    return Files.createTempDirectory(tmp, STORAGE_PREFIX + ProcessHandle.current().pid() + "-");
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temporary directory
    }
  }

  static List<Path> jars(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
    }
  }

  static String symbolicName(Path jar) {
    try (JarFile j = new JarFile(jar.toFile())) {
      Manifest m = j.getManifest();
      String bsn = m == null ? null : m.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
      return bsn == null ? null : bsn.split(";")[0].strip();
    } catch (IOException e) {
      return null;
    }
  }

  /** Export-Package of the shared class-path jars (the API bundle, protobuf-java, jnr). */
  static String sharedExports() {
    List<String> exports = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!entry.endsWith(".jar")) {
        continue;
      }
      try (JarFile j = new JarFile(entry)) {
        Manifest m = j.getManifest();
        if (m == null) {
          continue;
        }
        String bsn = m.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
        String exp = m.getMainAttributes().getValue(Constants.EXPORT_PACKAGE);
        if (bsn != null && exp != null && SHARED.stream().anyMatch(bsn::startsWith)
            && !bsn.startsWith("com.google.protobuf.util")) {
          exports.add(exp);
        }
      } catch (IOException e) {
        // not a jar we share
      }
    }
    return String.join(",", exports);
  }
}

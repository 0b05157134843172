package org.lmctfy.itests;

import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.SpecFormat;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * What every in-framework test shares: the framework's bundles (the real ones, from target/itest-bundles),
 * a unique cgroup root {@code /lmctfy-test-<random>} and state directory given to the core as framework
 * properties, and helpers that read the kernel directly.
 */
final class InFramework {
  static final RunSpec DETACHED = RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build();
  /** The controllers' bundles and what a spec needing each looks like. */
  static final Map<String, String> CONTROLLERS = new TreeMap<>(Map.of(
      "org.lmctfy.controller.cpu", "cpu { limit: 500 max_limit: 500 }",
      "org.lmctfy.controller.memory", "memory { limit: 104857600 }",
      "org.lmctfy.controller.cpuset", "cpu { mask { data: 1 } }",
      "org.lmctfy.controller.blockio", "blockio { }",
      "org.lmctfy.controller.freezer", "",
      "org.lmctfy.controller.device",
      "device { restrictions_set { restrictions { permission: DENY type: DEVICE_CHAR access: READ major: 1 minor: 9 } } }",
      "org.lmctfy.controller.monitoring", "monitoring { enable_perf_counters: true }"));
  /** The virtual hosts' bundle: not a cgroup controller, so not in {@link #CONTROLLERS}' generic swaps. */
  static final String NAMESPACE = "org.lmctfy.controller.namespace";

  private InFramework() {}

  static Path bundleDir() {
    return Path.of(System.getProperty("lmctfy.itest.bundles", "target/itest-bundles")).toAbsolutePath();
  }

  /** The URL of a bundle under test (copied as {@code <artifactId>.jar} by the build). */
  static String jar(String artifactId) {
    Path jar = bundleDir().resolve(artifactId + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no " + jar + " (run the itests through Maven)");
    }
    return jar.toUri().toString();
  }

  /**
   * The Pax Exam configuration: Felix with SCR, protobuf, the API, the core, the five cgroup controllers and the
   * namespace controller (virtual hosts).
   */
  static Option[] config() {
    String id = UUID.randomUUID().toString().substring(0, 8);
    Path helper = bundleDir().resolve("helper");
    try {
      // The exec helper and, beside it as in the distribution's libexec/, a virtual host's init: out of the
      // native jar (a plain jar, not a bundle).
      Files.createDirectories(helper);
      try (JarInputStream in = new JarInputStream(new java.net.URL(jar("native")).openStream())) {
        for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
          String name = e.getName().substring(e.getName().lastIndexOf('/') + 1);
          if (name.equals("lmctfy-exec") || name.equals("lmctfy-nsinit")) {
            // Renamed into place: a rewrite in place fails (ETXTBSY) while anything runs the file, e.g. a helper
            // or a virtual host's init an earlier test class left running.
            Path tmp = helper.resolve(name + ".tmp");
            Files.write(tmp, in.readAllBytes());
            tmp.toFile().setExecutable(true);
            Files.move(tmp, helper.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    String root = "/lmctfy-test-" + id;
    Path state = Path.of("/dev/shm/lmctfy-itest-" + id);
    // The framework runs in this JVM (native container): when it exits, whatever a test left under the root
    // (a failed cleanUp, a test that died) and the state directory go, processes inside killed first.
    // What the hook runs is loaded now: at exit the test class path may no longer load classes (seen with three
    // test classes in one run: every hook failed with NoClassDefFoundError and the state directories stayed).
    CgroupLayout layout;
    try {
      layout = CgroupLayout.detect();
      org.lmctfy.core.testing.KernelRoot.removeTree(layout, root, state); // nothing there yet: loads its classes
    } catch (ContainerException e) {
      throw new IllegalStateException(e);
    }
    java.util.Objects.requireNonNull(org.lmctfy.spi.cgroup.ControlFiles.class); // removeTree's on a real tree
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        org.lmctfy.core.testing.KernelRoot.removeTree(layout, root, state);
      } catch (ContainerException | LinkageError e) {
        System.err.println("itests: could not remove test root " + root + ": " + e);
      }
    }, "itests-cleanup"));
    return options(
        frameworkProperty("lmctfy.cgroup.root").value(root),
        frameworkProperty("lmctfy.state.dir").value(state.toString()),
        frameworkProperty("lmctfy.exec.helper").value(helper.resolve("lmctfy-exec").toString()),
        frameworkProperty("lmctfy.itest.bundles").value(bundleDir().toString()),
        systemProperty("lmctfy.itest.bundles").value(bundleDir().toString()),
        // jnr (jnr-posix, jnr-ffi, jffi) from the class path through the system bundle, as the distribution's
        // launcher shares it (OsgiRuntime): the core's epoll and the device bundle's bpf() use it.
        org.ops4j.pax.exam.CoreOptions.systemPackages(jnrExports()),
        org.ops4j.pax.exam.CoreOptions.bundle(jar("protobuf-java")),
        org.ops4j.pax.exam.CoreOptions.bundle(jar("org.osgi.util.function")),
        org.ops4j.pax.exam.CoreOptions.bundle(jar("org.osgi.util.promise")),
        org.ops4j.pax.exam.CoreOptions.bundle(jar("org.osgi.service.component")),
        org.ops4j.pax.exam.CoreOptions.bundle(jar("org.apache.felix.scr")),
        org.ops4j.pax.exam.CoreOptions.bundle(jar("api-bundle")),
        org.ops4j.pax.exam.CoreOptions.bundle(jar("core")),
        org.ops4j.pax.exam.CoreOptions.bundle(jar("cpu-controller")),
        org.ops4j.pax.exam.CoreOptions.bundle(jar("memory-controller")),
        org.ops4j.pax.exam.CoreOptions.bundle(jar("cpuset-controller")),
        org.ops4j.pax.exam.CoreOptions.bundle(jar("blockio-controller")),
        org.ops4j.pax.exam.CoreOptions.bundle(jar("freezer-controller")),
        org.ops4j.pax.exam.CoreOptions.bundle(jar("device-controller")),
        org.ops4j.pax.exam.CoreOptions.bundle(jar("monitoring-controller")),
        org.ops4j.pax.exam.CoreOptions.bundle(jar("namespace-controller")),
        junitBundles(),
        cleanCaches(true));
  }

  static BundleContext context() {
    return FrameworkUtil.getBundle(InFramework.class).getBundleContext();
  }

  static boolean root() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** The ContainerApi service registered now (waits up to 10 s). */
  static ContainerApi api() throws Exception {
    BundleContext ctx = context();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      ServiceReference<ContainerApi> ref = ctx.getServiceReference(ContainerApi.class);
      if (ref != null) {
        ContainerApi api = ctx.getService(ref);
        if (api != null) {
          return api;
        }
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no ContainerApi service in 10 s");
  }

  /** Export-Package of the jnr jars on this JVM's class path (one header each). */
  static String[] jnrExports() {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!entry.endsWith(".jar")) {
        continue;
      }
      try (java.util.jar.JarFile j = new java.util.jar.JarFile(entry)) {
        java.util.jar.Manifest m = j.getManifest();
        String bsn = m == null ? null : m.getMainAttributes().getValue("Bundle-SymbolicName");
        String exp = m == null ? null : m.getMainAttributes().getValue("Export-Package");
        if (bsn != null && exp != null && (bsn.startsWith("com.github.jnr") || bsn.startsWith("org.jruby.jnr"))) {
          out.add(exp);
        }
      } catch (IOException e) {
        // not a jar to share
      }
    }
    return out.toArray(new String[0]);
  }

  static Bundle bundle(String bsn) {
    for (Bundle b : context().getBundles()) {
      if (bsn.equals(b.getSymbolicName())) {
        return b;
      }
    }
    throw new AssertionError("no bundle " + bsn);
  }

  /** Whether a resource factory is registered now. */
  static boolean factoryActive(String resource) throws Exception {
    ServiceReference<?>[] refs = context().getServiceReferences(ResourceHandlerFactory.class.getName(),
        "(lmctfy.resource=" + resource + ")");
    return refs != null && refs.length > 0;
  }

  static String resourceOf(String bsn) {
    return bsn.substring(bsn.lastIndexOf('.') + 1);
  }

  static ContainerSpec spec(String text) throws ContainerException {
    return SpecFormat.parse(text, ContainerSpec.newBuilder()).build();
  }

  static String cgroupRoot() {
    return context().getProperty("lmctfy.cgroup.root");
  }

  static void init() throws Exception {
    api().initMachine(InitSpec.getDefaultInstance());
  }

  /** Destroys everything under the test root and checks that nothing is left, then removes the root. */
  static void cleanUp() throws Exception {
    ContainerApi api = api();
    for (Container c : api.get("/").listSubcontainers(ListPolicy.SELF)) {
      api.destroy(c);
    }
    List<Path> left = leftovers();
    Path records = Path.of(context().getProperty("lmctfy.state.dir"), "records");
    List<Path> recs = new ArrayList<>();
    if (Files.isDirectory(records)) {
      try (Stream<Path> s = Files.walk(records)) {
        s.filter(Files::isRegularFile).forEach(recs::add);
      }
    }
    for (Hierarchy h : CgroupLayout.detect().hierarchies()) {
      Path r = rootDir(h);
      if (Files.isDirectory(r) && left.isEmpty()) {
        Files.delete(r);
      }
    }
    if (!left.isEmpty() || !recs.isEmpty()) {
      throw new AssertionError("left behind: cgroups " + left + ", records " + recs);
    }
  }

  static Path rootDir(Hierarchy h) {
    return h.mountPoint().resolve(cgroupRoot().substring(1));
  }

  /** Every cgroup below the test root, in every hierarchy. */
  static List<Path> leftovers() throws Exception {
    List<Path> out = new ArrayList<>();
    for (Hierarchy h : CgroupLayout.detect().hierarchies()) {
      Path r = rootDir(h);
      if (Files.isDirectory(r)) {
        try (Stream<Path> s = Files.walk(r)) {
          s.filter(p -> Files.isDirectory(p) && !p.equals(r)).forEach(out::add);
        }
      }
    }
    return out;
  }

  /** A container's directories, one per hierarchy it has one in. */
  static List<Path> dirs(String container) throws Exception {
    List<Path> out = new ArrayList<>();
    for (Hierarchy h : CgroupLayout.detect().hierarchies()) {
      Path d = rootDir(h).resolve(container.substring(1));
      if (Files.isDirectory(d)) {
        out.add(d);
      }
    }
    return out;
  }

  /** The settings the kernel holds for a container: every limit-like file of each of its cgroups. */
  static Map<String, String> limits(String container) throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (Path d : dirs(container)) {
      try (Stream<Path> s = Files.list(d)) {
        for (Path f : s.toList()) {
          String n = f.getFileName().toString();
          if (n.matches(".*\\.(max|min|low|high|weight|shares|limit_in_bytes|cfs_quota_us|cfs_period_us|cpus|mems"
              + "|state|idle|freeze|swappiness|subtree_control|list)") && Files.isReadable(f)) {
            try {
              out.put(f.toString(), Files.readString(f).strip());
            } catch (IOException e) {
              // some files are write-only or refuse reads: not settings we compare
            }
          }
        }
      }
    }
    return out;
  }

  /** The jar of a bundle rewritten with a higher Bundle-Version: "a newer build" of it. */
  static InputStream newerBuild(String jarUrl, String version) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (JarInputStream in = new JarInputStream(new java.net.URL(jarUrl).openStream())) {
      Manifest m = new Manifest(in.getManifest());
      m.getMainAttributes().put(new Attributes.Name("Bundle-Version"), version);
      try (JarOutputStream out = new JarOutputStream(buf, m)) {
        for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
          out.putNextEntry(new JarEntry(e.getName()));
          in.transferTo(out);
          out.closeEntry();
        }
      }
    }
    return new ByteArrayInputStream(buf.toByteArray());
  }

  /** Refreshes bundles and waits for the refresh to finish. */
  static void refresh(Bundle... bundles) throws Exception {
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    context().getBundle(0).adapt(FrameworkWiring.class).refreshBundles(bundles.length == 0 ? null : List.of(bundles),
        e -> done.countDown());
    if (!done.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new AssertionError("refresh did not finish in 30 s");
    }
  }

  static void await(String what, long timeoutMs, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (System.nanoTime() < deadline) {
      if (condition.call()) {
        return;
      }
      Thread.sleep(2);
    }
    throw new AssertionError("timed out after " + timeoutMs + " ms waiting for: " + what);
  }

  /** Running (not gone, not a zombie). */
  static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }
}

package org.lmctfy.karaf;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.ContainerStats;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.api.proto.MemorySpec;
import org.lmctfy.api.proto.RunSpec;
import org.lmctfy.api.StatsType;
import jnr.posix.POSIXFactory;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

/** Inside Karaf, after feature:install: the ContainerApi of the installed bundles on the real kernel. */
final class KernelRoundTrip {
  interface Shell {
    Object run(String command) throws Exception;
  }

  private KernelRoundTrip() {}

  static void run(BundleContext context, Shell shell) throws Exception {
    allStarted(context);
    // jnr-posix through the wrapped jffi and its native fragment: a real system call, not the Java fallback.
    assertTrue("jnr-posix is native in Karaf", POSIXFactory.getNativePOSIX().isNative());
    assertEquals(ProcessHandle.current().pid(), POSIXFactory.getNativePOSIX().getpid());
    ContainerApi api = api(context);
    api.initMachine(InitSpec.getDefaultInstance()); // the test root (removed by the driver at exit)
    String name = "/karaf-" + UUID.randomUUID().toString().substring(0, 8);
    long limit = 64L << 20;
    Container c = api.create(name, ContainerSpec.newBuilder()
        .setMemory(MemorySpec.newBuilder().setLimit(limit)).build());
    try {
      // The spec as the kernel holds it.
      assertEquals(limit, c.spec().getMemory().getLimit());
      // A command started through lmctfy-exec, which the core extracted from the native fragment.
      long pid = c.run(List.of("/bin/sleep", "60"),
          RunSpec.newBuilder().setFdPolicy(RunSpec.FdPolicy.DETACHED).build());
      String cgroups = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
      assertTrue(cgroups, cgroups.contains(System.getProperty("lmctfy.karaf.root") + name));
      assertTrue(c.listProcesses(ListPolicy.SELF).contains(pid));
      ContainerStats stats = c.stats(StatsType.SUMMARY);
      assertTrue(stats.toString(), stats.getMemory().getUsage() > 0);
      // Karaf's shell: the Gogo command of the shell bundle.
      Object listed = shell.run("lmctfy:list /");
      assertTrue("lmctfy:list / gave " + listed, listed instanceof List<?> l && l.contains(name));
      c.killAll();
      api.destroy(c);
      try {
        api.get(name);
        fail(name + " still exists after destroy");
      } catch (ContainerException e) {
        assertEquals(name + ": " + e.getMessage(), org.lmctfy.api.StatusCode.NOT_FOUND, e.code());
      }
    } finally {
      try {
        Container left = api.get(name);
        left.killAll();
        api.destroy(left);
      } catch (ContainerException e) {
        // destroyed above
      }
    }
  }

  /** Every bundle of feature lmctfy (ours and jnr's) started; the two fragments attached (RESOLVED). */
  private static void allStarted(BundleContext context) {
    int ours = 0;
    for (Bundle b : context.getBundles()) {
      String bsn = b.getSymbolicName();
      if (bsn.startsWith("org.lmctfy") || bsn.startsWith("com.github.jnr")) {
        ours++;
        boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
        assertEquals(bsn + " state", fragment ? Bundle.RESOLVED : Bundle.ACTIVE, b.getState());
      }
    }
    assertEquals("bundles of feature lmctfy (13 of lmctfy with the native fragment, 7 of jnr)", 20, ours);
  }

  private static ContainerApi api(BundleContext context) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      ServiceReference<ContainerApi> ref = context.getServiceReference(ContainerApi.class);
      if (ref != null && context.getService(ref) != null) {
        return context.getService(ref);
      }
      Thread.sleep(20); // a bounded poll for the service SCR registers
    }
    throw new AssertionError("no ContainerApi service 30 s after feature:install lmctfy");
  }
}

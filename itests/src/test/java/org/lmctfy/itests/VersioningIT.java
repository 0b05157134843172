package org.lmctfy.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.lmctfy.itests.InFramework.bundle;
import static org.lmctfy.itests.InFramework.context;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Semantic versioning of the SPI as the framework applies it: providers and consumers get bnd's ranges, and
 * a second, incompatible (2.0) SPI package resolves beside 1.x, each plugin wired to the version it was
 * built for.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class VersioningIT {
  @Configuration
  public Option[] config() {
    return InFramework.config();
  }

  private static String importOf(Bundle b, String pkg) {
    String header = b.getHeaders().get("Import-Package");
    for (String clause : header.split(",(?=[a-z])")) {
      if (clause.startsWith(pkg + ";")) {
        return clause.replaceAll(".*version=\"([^\"]*)\".*", "$1");
      }
    }
    return null;
  }

  @Test
  public void providersAndConsumersGetBndsRanges() {
    Bundle api = bundle("org.lmctfy.api");
    assertTrue(api.getHeaders().get("Export-Package").contains("org.lmctfy.spi;version=\"1.2.0\""));
    // The core implements the SPI's @ProviderType interfaces (ContainerContext): a minor change breaks it.
    assertEquals("[1.2,1.3)", importOf(bundle("org.lmctfy.core"), "org.lmctfy.spi"));
    // Controllers implement @ConsumerType interfaces only: any 1.x from the one they were built against (1.2).
    for (String c : InFramework.CONTROLLERS.keySet()) {
      assertEquals(c, "[1.2,2)", importOf(bundle(c), "org.lmctfy.spi"));
      // ...and use the API as clients: any 1.x from the one they were built against (1.1).
      assertEquals(c, "[1.1,2)", importOf(bundle(c), "org.lmctfy.api"));
    }
    // The core provides ContainerApi (@ProviderType).
    assertEquals("[1.1,1.2)", importOf(bundle("org.lmctfy.core"), "org.lmctfy.api"));
  }

  /** A bundle made here: a manifest and optionally the SPI's classes. */
  private static Bundle install(String bsn, String exports, String imports, boolean spiClasses) throws Exception {
    Manifest m = new Manifest();
    Attributes a = m.getMainAttributes();
    a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    a.putValue("Bundle-ManifestVersion", "2");
    a.putValue("Bundle-SymbolicName", bsn);
    a.putValue("Bundle-Version", "1.0.0");
    if (exports != null) {
      a.putValue("Export-Package", exports);
    }
    a.putValue("Import-Package", imports);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (JarOutputStream out = new JarOutputStream(buf, m)) {
      if (spiClasses) {
        copySpiClasses(out);
      }
    }
    return context().installBundle("itest:" + bsn, new ByteArrayInputStream(buf.toByteArray()));
  }

  private static void copySpiClasses(JarOutputStream out) throws IOException {
    try (JarInputStream in = new JarInputStream(new java.net.URL(InFramework.jar("api-bundle")).openStream())) {
      for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
        if (e.getName().startsWith("org/lmctfy/spi/") && !e.getName().startsWith("org/lmctfy/spi/cgroup/")
            && e.getName().endsWith(".class")) {
          out.putNextEntry(new JarEntry(e.getName()));
          in.transferTo(out);
          out.closeEntry();
        }
      }
    }
  }

  private static Bundle providerOf(Bundle b, String pkg) {
    for (BundleWire w : b.adapt(BundleWiring.class).getRequiredWires("osgi.wiring.package")) {
      if (pkg.equals(w.getCapability().getAttributes().get("osgi.wiring.package"))) {
        return w.getProvider().getBundle();
      }
    }
    return null;
  }

  @Test
  public void aSecondMajorVersionOfTheSpiResolvesBesideTheFirst() throws Exception {
    // (Not org.lmctfy.spi.cgroup: it "uses" org.lmctfy.spi 1.x, so a 2.0 SPI may not see it; OSGi's class-space
    // consistency at work.)
    String deps = "org.lmctfy.api;version=\"[1.0,2)\",org.lmctfy.api.proto;version=\"[1.0,2)\","
        + "com.google.protobuf;version=\"[4,5)\"";
    List<Bundle> made = new ArrayList<>();
    try {
      Bundle spi2 = install("org.lmctfy.itest.spi2", "org.lmctfy.spi;version=\"2.0.0\"", deps, true);
      made.add(spi2);
      Bundle old = install("org.lmctfy.itest.plugin1", null, "org.lmctfy.spi;version=\"[1.1,2)\"", false);
      made.add(old);
      Bundle next = install("org.lmctfy.itest.plugin2", null, "org.lmctfy.spi;version=\"[2.0,3)\"", false);
      made.add(next);
      Bundle future = install("org.lmctfy.itest.plugin13", null, "org.lmctfy.spi;version=\"[1.3,2)\"", false);
      made.add(future);
      context().getBundle(0).adapt(FrameworkWiring.class).resolveBundles(made);
      if (spi2.getState() != Bundle.RESOLVED) {
        try {
          spi2.start();
        } catch (org.osgi.framework.BundleException e) {
          throw new AssertionError("the 2.0 SPI bundle does not resolve: " + e.getMessage(), e);
        }
      }
      assertEquals("a 1.x plugin gets 1.x", "org.lmctfy.api", providerOf(old, "org.lmctfy.spi").getSymbolicName());
      assertEquals("a 2.x plugin gets 2.x", "org.lmctfy.itest.spi2",
          providerOf(next, "org.lmctfy.spi").getSymbolicName());
      assertEquals("a plugin needing 1.3 does not resolve against 1.2", Bundle.INSTALLED, future.getState());
      // The running bundles stay on 1.x.
      assertEquals("org.lmctfy.api", providerOf(bundle("org.lmctfy.core"), "org.lmctfy.spi").getSymbolicName());
      assertEquals("org.lmctfy.api",
          providerOf(bundle("org.lmctfy.controller.memory"), "org.lmctfy.spi").getSymbolicName());
    } finally {
      for (Bundle b : made) {
        b.uninstall();
      }
      InFramework.refresh();
    }
    assertFalse("the core still serves after the refresh",
        context().getServiceReference(org.lmctfy.api.ContainerApi.class) == null);
  }
}

package org.lmctfy.karaf;

import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.maven;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;
import java.util.List;
import javax.inject.Inject;
import javax.security.auth.Subject;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.Assume;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * The features file in a stock Apache Karaf 4.4 (the distribution from Maven, run by Pax Exam's Karaf
 * container): {@code feature:repo-add} and {@code feature:install lmctfy} in Karaf's shell, then a container
 * created, run in, read and destroyed on this machine's kernel through the installed bundles, and
 * {@code lmctfy:list} in the shell. The core is configured by {@code etc/org.lmctfy.core.cfg} (ConfigAdmin) with a
 * unique cgroup root {@code /lmctfy-test-<random>}, which the driver removes at exit. Root only: skipped otherwise.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KarafFeatureKernelIT {
  @Inject
  private BundleContext context;

  @Inject
  private SessionFactory sessions;

  @Configuration
  public Option[] config() {
    // Driver side only (never run in Karaf): the test root, removed with what is under it when the driver exits.
    KarafTestRoot root = KarafTestRoot.create();
    String repository = new File(System.getProperty("lmctfy.karaf.repository")).toURI().toString();
    return options(
        karafDistributionConfiguration()
            .frameworkUrl(maven().groupId("org.apache.karaf").artifactId("apache-karaf").type("tar.gz")
                .version(System.getProperty("lmctfy.karaf.version")))
            .unpackDirectory(new File(System.getProperty("lmctfy.karaf.exam")))
            .useDeployFolder(false),
        configureConsole().ignoreLocalConsole().ignoreRemoteShell(),
        logLevel(LogLevel.WARN),
        // The build's jars (target/repository, Maven's layout) beside Karaf's own system repository: what a user's
        // Maven repository or Central would serve.
        editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.defaultRepositories",
            "${karaf.home.uri}${karaf.default.repository}@id=system.repository@snapshots,"
                + repository + "@id=lmctfy@snapshots"),
        editConfigurationFilePut("etc/org.lmctfy.core.cfg", "cgroup.root", root.cgroupRoot()),
        editConfigurationFilePut("etc/org.lmctfy.core.cfg", "state.dir", root.stateDir()),
        editConfigurationFilePut("etc/system.properties", "lmctfy.karaf.features",
            new File(System.getProperty("lmctfy.karaf.features")).toURI().toString()),
        editConfigurationFilePut("etc/system.properties", "lmctfy.karaf.root", root.cgroupRoot()),
        editConfigurationFilePut("etc/system.properties", "lmctfy.karaf.uid", String.valueOf(root.uid())));
  }

  @Test
  public void featureInstallsAndContainersWorkOnTheKernel() throws Exception {
    Assume.assumeTrue("needs root (real cgroups)", "0".equals(System.getProperty("lmctfy.karaf.uid")));
    long start = System.nanoTime();
    shell("feature:repo-add " + System.getProperty("lmctfy.karaf.features"));
    shell("feature:install lmctfy");
    System.out.printf("karaf: feature:install lmctfy took %d ms%n", (System.nanoTime() - start) / 1_000_000);
    // Loaded only now: its classes come from the bundles the feature installed (the probe imports dynamically).
    KernelRoundTrip.run(context, this::shell);
  }

  /** A command line in Karaf's shell, as a user types it; its value (what the console would print). */
  Object shell(String command) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    Session session = sessions.create(new ByteArrayInputStream(new byte[0]), print, print);
    try {
      // As Karaf's admin: its command ACLs (etc/org.apache.karaf.command.acl.*.cfg) allow feature:install only to
      // the admin role. RolePrincipal comes from Karaf's boot class path (no compile-time dependency on it).
      Subject admin = new Subject();
      admin.getPrincipals().add((Principal) Class.forName("org.apache.karaf.jaas.boot.principal.RolePrincipal")
          .getConstructor(String.class).newInstance("admin"));
      Object value = Subject.doAs(admin, (PrivilegedExceptionAction<Object>) () -> session.execute(command));
      System.out.println("karaf> " + command + "\n" + out.toString(StandardCharsets.UTF_8) + (value == null ? ""
          : value));
      return value;
    } catch (PrivilegedActionException e) {
      throw e.getException();
    } finally {
      session.close();
    }
  }

  static void assertContains(List<?> list, Object item) {
    assertTrue(list + " should contain " + item, list.contains(item));
  }
}

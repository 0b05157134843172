package org.lmctfy.launcher.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.lmctfy.api.ContainerException;

/**
 * The distribution's directory ({@code lmctfy.home}): {@code bundle/} (the bundles the framework runs: core,
 * controllers, vendor plugins; hot-deployed by the daemon), {@code etc/} (*.cfg), {@code lib/} (the
 * launcher's class path), {@code lib/osgi/} (SCR, ConfigAdmin, FileInstall, Gogo) and
 * {@code libexec/lmctfy-exec} (the exec helper).
 */
public record Home(Path dir) {
  /** From the {@code lmctfy.home} system property (set by bin/lmctfy and bin/lmctfyd). */
  public static Home fromSystem() throws ContainerException {
    String h = System.getProperty("lmctfy.home");
    if (h == null || h.isBlank()) {
      throw ContainerException.failedPrecondition("lmctfy.home is not set: run lmctfy through bin/lmctfy of the"
          + " distribution (or ./lmctfy at the top of the source tree)");
    }
    Path dir = Path.of(h).toAbsolutePath().normalize();
    if (!Files.isDirectory(dir.resolve("bundle")) || !Files.isDirectory(dir.resolve("lib/osgi"))) {
      throw ContainerException.failedPrecondition("lmctfy.home " + dir + " is not an lmctfy distribution (no"
          + " bundle/ or lib/osgi/)");
    }
    return new Home(dir);
  }

  public Path bundles() {
    return dir.resolve("bundle");
  }

  public Path etc() {
    return dir.resolve("etc");
  }

  public Path osgiLib() {
    return dir.resolve("lib/osgi");
  }

  public Path execHelper() {
    return dir.resolve("libexec/lmctfy-exec");
  }

  /**
   * A configuration file of {@code etc/} ({@code <pid>.cfg}, java.util.Properties syntax) with
   * {@code ${lmctfy.home}} substituted, as FileInstall reads it; empty when absent.
   */
  public Map<String, String> config(String pid) throws ContainerException {
    Path f = etc().resolve(pid + ".cfg");
    Map<String, String> out = new LinkedHashMap<>();
    if (!Files.exists(f)) {
      return out;
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(f)) {
      p.load(in);
    } catch (IOException | IllegalArgumentException e) {
      throw ContainerException.invalidArgument("Cannot read " + f + ": " + e.getMessage());
    }
    for (String k : p.stringPropertyNames()) {
      out.put(k, p.getProperty(k).replace("${lmctfy.home}", dir.toString()).strip());
    }
    return out;
  }
}

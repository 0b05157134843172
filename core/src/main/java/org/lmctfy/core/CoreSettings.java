package org.lmctfy.core;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.lmctfy.api.ContainerException;

/**
 * The core's settings, resolved and validated as a whole before any is applied: a bad value is refused with a
 * message naming its key and where it came from, and the running API (if any) stays as it was.
 *
 * <p>Each key is looked up in order: a launcher's flag (framework property {@code lmctfy.KEY}), the configuration
 * (PID {@code org.lmctfy.core}), the launcher's defaults (framework property {@code lmctfy.default.KEY}: etc/'s
 * values at start, so the core is right before ConfigAdmin delivers them), then {@link CoreConfig}'s default.
 *
 * @param cgroupRoot the cgroup path of container / (absolute, normalised)
 * @param stateDir records and locks
 * @param execHelper an installed lmctfy-exec, or null for the one extracted from the native jar
 */
record CoreSettings(String cgroupRoot, Path stateDir, Path execHelper) {
  static final String PID = "org.lmctfy.core";
  static final String CGROUP_ROOT = "cgroup.root";
  static final String STATE_DIR = "state.dir";
  static final String EXEC_HELPER = "exec.helper";
  static final String DEFAULT_CGROUP_ROOT = "/";
  static final String DEFAULT_STATE_DIR = "/run/lmctfy";

  /**
   * @param frameworkProperty the framework's properties ({@code BundleContext::getProperty})
   * @param config the configuration's raw properties (as ConfigAdmin delivers a {@code .cfg}: strings)
   * @throws ContainerException INVALID_ARGUMENT naming the key, its source and the value at fault
   */
  static CoreSettings from(Function<String, String> frameworkProperty, Map<String, ?> config)
      throws ContainerException {
    Setting root = Setting.of(CGROUP_ROOT, frameworkProperty, config, DEFAULT_CGROUP_ROOT);
    if (!root.value.startsWith("/") || root.value.contains("\n") || root.value.contains("\0")) {
      throw root.bad("an absolute cgroup path such as / or /lmctfy");
    }
    for (String part : root.value.split("/")) {
      if (part.equals("..") || part.equals(".")) {
        throw root.bad("a cgroup path without . or .. segments");
      }
    }
    String cgroupRoot = root.value.length() > 1 && root.value.endsWith("/")
        ? root.value.replaceAll("/+$", "") : root.value;
    Setting state = Setting.of(STATE_DIR, frameworkProperty, config, DEFAULT_STATE_DIR);
    Path stateDir = absolute(state);
    Setting helper = Setting.of(EXEC_HELPER, frameworkProperty, config, "");
    Path execHelper = helper.value.isEmpty() ? null : absolute(helper);
    return new CoreSettings(cgroupRoot.replaceAll("/{2,}", "/"), stateDir, execHelper);
  }

  private static Path absolute(Setting s) throws ContainerException {
    try {
      Path p = Path.of(s.value);
      if (p.isAbsolute()) {
        return p.normalize();
      }
    } catch (java.nio.file.InvalidPathException e) {
      // refused below
    }
    throw s.bad("an absolute path");
  }

  /** One key's effective value and where it came from, for the message that refuses it. */
  private record Setting(String key, String value, String source) {
    static Setting of(String key, Function<String, String> frameworkProperty, Map<String, ?> config, String def) {
      String flag = frameworkProperty.apply("lmctfy." + key);
      if (flag != null && !flag.isBlank()) {
        return new Setting(key, flag.strip(), "framework property lmctfy." + key + " (a launcher's flag)");
      }
      Object configured = config.get(key);
      if (configured != null && !configured.toString().isBlank()) {
        return new Setting(key, configured.toString().strip(), "configuration " + PID);
      }
      String launcherDefault = frameworkProperty.apply("lmctfy.default." + key);
      if (launcherDefault != null && !launcherDefault.isBlank()) {
        return new Setting(key, launcherDefault.strip(), "framework property lmctfy.default." + key + " (etc/"
            + PID + ".cfg at start)");
      }
      return new Setting(key, def, "default");
    }

    ContainerException bad(String expected) {
      return ContainerException.invalidArgument(source + ": " + key + " = \"" + value + "\" is not " + expected
          + "; nothing was applied (fix the key in etc/" + PID + ".cfg)");
    }
  }
}

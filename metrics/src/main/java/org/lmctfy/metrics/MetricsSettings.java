package org.lmctfy.metrics;

import java.util.Map;

/**
 * The metrics bundle's settings, validated as a whole before any is applied: a bad value is refused with a
 * message naming its key (and the running endpoint, if any, stays as it was).
 *
 * @param enabled whether the endpoint is served
 * @param bindAddress the address it listens on
 * @param port its TCP port
 * @param path its HTTP path
 * @param statsFull whether FULL stats are read (CFS throttling counters)
 */
record MetricsSettings(boolean enabled, String bindAddress, int port, String path, boolean statsFull) {
  static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
  static final int DEFAULT_PORT = 9323;
  static final String DEFAULT_PATH = "/metrics";

  static final String ENABLED = "enabled";
  static final String BIND_ADDRESS = "bind.address";
  static final String PORT = "port";
  static final String PATH = "path";
  static final String STATS_FULL = "stats.full";

  /**
   * The settings from a configuration's raw properties (as ConfigAdmin delivers a {@code .cfg}: strings), with
   * the defaults of {@link MetricsConfig} for absent keys.
   *
   * @throws IllegalArgumentException naming the PID, the key and the value at fault
   */
  static MetricsSettings from(Map<String, ?> raw) {
    boolean enabled = bool(raw, ENABLED, false);
    String bind = string(raw, BIND_ADDRESS, DEFAULT_BIND_ADDRESS);
    if (bind.isEmpty() || !bind.matches("[0-9A-Za-z.:%\\-\\[\\]]+")) {
      throw bad(BIND_ADDRESS, bind, "an IP address or host name");
    }
    int port = integer(raw, PORT, DEFAULT_PORT);
    if (port < 1 || port > 65535) {
      throw bad(PORT, String.valueOf(port), "a TCP port from 1 to 65535");
    }
    String path = string(raw, PATH, DEFAULT_PATH);
    if (!path.startsWith("/") || path.contains(" ")) {
      throw bad(PATH, path, "an absolute HTTP path such as /metrics");
    }
    return new MetricsSettings(enabled, bind, port, path, bool(raw, STATS_FULL, true));
  }

  private static String string(Map<String, ?> raw, String key, String def) {
    Object v = raw.get(key);
    return v == null ? def : v.toString().strip();
  }

  private static boolean bool(Map<String, ?> raw, String key, boolean def) {
    Object v = raw.get(key);
    if (v == null) {
      return def;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    String s = v.toString().strip();
    if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(s);
    }
    throw bad(key, s, "true or false");
  }

  private static int integer(Map<String, ?> raw, String key, int def) {
    Object v = raw.get(key);
    if (v == null) {
      return def;
    }
    if (v instanceof Number n) {
      long l = n.longValue();
      return l > Integer.MAX_VALUE || l < Integer.MIN_VALUE ? -1 : (int) l;
    }
    String s = v.toString().strip();
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw bad(key, s, "a number");
    }
  }

  private static IllegalArgumentException bad(String key, String value, String expected) {
    return new IllegalArgumentException("Configuration " + MetricsComponent.PID + ": " + key + " = \"" + value
        + "\" is not " + expected + "; the previous settings stay (fix the key in etc/" + MetricsComponent.PID
        + ".cfg)");
  }
}

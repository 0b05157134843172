package org.lmctfy.launcher.daemon;

import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Level;
import org.lmctfy.api.ContainerException;

/**
 * lmctfyd's own settings ({@code etc/org.lmctfy.daemon.cfg}, read once at start by the launcher, not through
 * ConfigAdmin), validated as a whole before anything starts: a bad value is refused with a message naming its key.
 *
 * @param socketPath the socket ({@code socket.path})
 * @param socketMode its octal mode ({@code socket.mode})
 * @param socketGroup its group, or null ({@code socket.group})
 * @param logLevel java.util.logging level of logger {@code lmctfyd} ({@code log.level})
 */
record DaemonSettings(Path socketPath, String socketMode, String socketGroup, Level logLevel) {
  static final String FILE = "etc/org.lmctfy.daemon.cfg";
  static final String SOCKET_PATH = "socket.path";
  static final String SOCKET_MODE = "socket.mode";
  static final String SOCKET_GROUP = "socket.group";
  static final String LOG_LEVEL = "log.level";
  /** The levels a .cfg may name (java.util.logging's own, by name). */
  private static final java.util.List<Level> LEVELS = java.util.List.of(Level.OFF, Level.SEVERE, Level.WARNING,
      Level.INFO, Level.CONFIG, Level.FINE, Level.FINER, Level.FINEST, Level.ALL);

  /**
   * @param cfg the file's keys and values
   * @param defaultSocket the socket when {@code socket.path} is absent
   * @throws ContainerException INVALID_ARGUMENT naming the key and the value at fault
   */
  static DaemonSettings from(Map<String, String> cfg, Path defaultSocket) throws ContainerException {
    String levelName = cfg.getOrDefault(LOG_LEVEL, "INFO").strip();
    Level level = LEVELS.stream().filter(l -> l.getName().equalsIgnoreCase(levelName)).findFirst()
        .orElseThrow(() -> bad(LOG_LEVEL, levelName, "a java.util.logging level: SEVERE, WARNING, INFO, CONFIG,"
            + " FINE, FINER, FINEST, ALL or OFF"));
    String socket = cfg.get(SOCKET_PATH);
    Path socketPath = defaultSocket;
    if (socket != null && !socket.isBlank()) {
      socketPath = Path.of(socket.strip());
      if (!socketPath.isAbsolute()) {
        throw bad(SOCKET_PATH, socket.strip(), "an absolute path");
      }
    }
    String mode = cfg.getOrDefault(SOCKET_MODE, "0660").strip();
    if (!mode.matches("0?[0-7]{3}")) {
      throw bad(SOCKET_MODE, mode, "an octal mode such as 0660");
    }
    String group = cfg.get(SOCKET_GROUP);
    return new DaemonSettings(socketPath, mode, group == null || group.isBlank() ? null : group.strip(), level);
  }

  private static ContainerException bad(String key, String value, String expected) {
    return ContainerException.invalidArgument(FILE + ": " + key + " = \"" + value + "\" is not " + expected
        + "; lmctfyd did not start (fix the key)");
  }
}

package org.lmctfy.daemon.config;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.lmctfy.api.ContainerException;

/**
 * lmctfyd's settings ({@link DaemonConfig}), validated as a whole before any is applied: a bad value is refused with a
 * message naming its key. The launcher validates {@code etc/org.lmctfy.daemon.cfg} before it binds the socket or
 * starts the framework; {@link DaemonConfigComponent} validates every change ConfigAdmin delivers afterwards.
 *
 * @param socketPath the socket ({@code socket.path})
 * @param socketMode its octal mode ({@code socket.mode})
 * @param socketGroup its group, or null ({@code socket.group})
 * @param logLevel java.util.logging level of logger {@code lmctfyd} ({@code log.level})
 */
public record DaemonSettings(Path socketPath, String socketMode, String socketGroup, Level logLevel) {
  public static final String PID = "org.lmctfy.daemon";
  public static final String FILE = "etc/" + PID + ".cfg";
  public static final String DEFAULT_SOCKET = "/run/lmctfy/lmctfy.sock";
  public static final String SOCKET_PATH = "socket.path";
  public static final String SOCKET_MODE = "socket.mode";
  public static final String SOCKET_GROUP = "socket.group";
  public static final String LOG_LEVEL = "log.level";
  /** The levels a .cfg may name (java.util.logging's own, by name, in any case). */
  private static final List<Level> LEVELS = List.of(Level.OFF, Level.SEVERE, Level.WARNING, Level.INFO, Level.CONFIG,
      Level.FINE, Level.FINER, Level.FINEST, Level.ALL);

  /**
   * The settings of a {@code .cfg}'s keys and values, as lmctfyd reads them at start.
   *
   * @throws ContainerException INVALID_ARGUMENT naming the key and the value at fault
   */
  public static DaemonSettings from(Map<String, ?> cfg) throws ContainerException {
    return from(config(cfg), "lmctfyd did not start (fix the key)");
  }

  /**
   * @param outcome what a refusal means, for its message (the daemon did not start; it keeps its settings)
   * @throws ContainerException INVALID_ARGUMENT naming the key and the value at fault
   */
  public static DaemonSettings from(DaemonConfig c, String outcome) throws ContainerException {
    String levelName = c.log_level().strip();
    Level level = LEVELS.stream().filter(l -> l.getName().equalsIgnoreCase(levelName)).findFirst()
        .orElseThrow(() -> bad(LOG_LEVEL, levelName, "a java.util.logging level: SEVERE, WARNING, INFO, CONFIG,"
            + " FINE, FINER, FINEST, ALL or OFF", outcome));
    String socket = c.socket_path().strip();
    Path socketPath = Path.of(DEFAULT_SOCKET);
    if (!socket.isEmpty()) {
      try {
        socketPath = Path.of(socket);
      } catch (InvalidPathException e) {
        throw bad(SOCKET_PATH, socket, "an absolute path", outcome);
      }
      if (!socketPath.isAbsolute()) {
        throw bad(SOCKET_PATH, socket, "an absolute path", outcome);
      }
    }
    String mode = c.socket_mode().strip();
    if (!mode.matches("0?[0-7]{3}")) {
      throw bad(SOCKET_MODE, mode, "an octal mode such as 0660", outcome);
    }
    String group = c.socket_group().strip();
    return new DaemonSettings(socketPath, mode, group.isEmpty() ? null : group, level);
  }

  /**
   * A {@code .cfg}'s raw keys and values seen through {@link DaemonConfig}, as Declarative Services maps a component
   * property type ({@link #key}): an absent key gives the annotation's default, a value its string, stripped.
   */
  public static DaemonConfig config(Map<String, ?> raw) {
    return (DaemonConfig) Proxy.newProxyInstance(DaemonConfig.class.getClassLoader(),
        new Class<?>[] {DaemonConfig.class}, (proxy, m, args) -> switch (m.getName()) {
          case "annotationType" -> DaemonConfig.class;
          case "toString" -> "@" + DaemonConfig.class.getName() + raw;
          case "hashCode" -> raw.hashCode();
          case "equals" -> proxy == args[0];
          default -> {
            Object v = raw.get(key(m));
            yield v == null ? m.getDefaultValue() : v.toString().strip();
          }
        });
  }

  /**
   * The configuration key of an element of {@link DaemonConfig}: Declarative Services' mapping of a component
   * property type's method name (OSGi Compendium 112.8.2.2): {@code _} is {@code .}, {@code __} is {@code _}.
   */
  public static String key(Method element) {
    if (element.getDeclaringClass() != DaemonConfig.class && !Annotation.class.isAssignableFrom(
        element.getDeclaringClass())) {
      throw new IllegalArgumentException(element + " is no element of " + DaemonConfig.class.getSimpleName());
    }
    return element.getName().replace("__", "\0").replace('_', '.').replace('\0', '_');
  }

  private static ContainerException bad(String key, String value, String expected, String outcome) {
    return ContainerException.invalidArgument(FILE + ": " + key + " = \"" + value + "\" is not " + expected + "; "
        + outcome);
  }
}

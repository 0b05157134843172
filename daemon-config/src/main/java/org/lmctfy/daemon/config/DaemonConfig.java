package org.lmctfy.daemon.config;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * lmctfyd's configuration, PID {@value DaemonSettings#PID} ({@code etc/org.lmctfy.daemon.cfg}): the one description
 * of its keys. Typed and documented through the metatype service in the daemon's framework (bnd makes
 * {@code OSGI-INF/metatype/org.lmctfy.daemon.xml} from it); read through it by the launcher before the framework
 * starts ({@link DaemonSettings#config}) and by {@link DaemonConfigComponent} inside it (Declarative Services'
 * component property type), each key named after its method as DS names it ({@code socket_path} is
 * {@code socket.path}). {@link DaemonSettings} refuses a bad value naming its key.
 */
@ObjectClassDefinition(id = DaemonSettings.PID, name = "lmctfyd",
    description = "The lmctfy daemon: its Unix socket (read at start: a change applies at the next start) and its"
        + " log level (applied live).")
public @interface DaemonConfig {
  @AttributeDefinition(name = "Socket path", description = "The absolute path of the Unix socket lmctfyd serves on;"
      + " the command line finds the daemon there too.")
  String socket_path() default DaemonSettings.DEFAULT_SOCKET;

  @AttributeDefinition(name = "Socket mode", description = "The socket's octal mode, e.g. 0660: who may connect (each"
      + " request is then authorised from the peer's uid).")
  String socket_mode() default "0660";

  @AttributeDefinition(name = "Socket group", required = false,
      description = "The socket's group (members may connect); empty: root's.")
  String socket_group() default "";

  @AttributeDefinition(name = "Log level", description = "The java.util.logging level of logger lmctfyd.",
      options = {@Option(label = "OFF", value = "OFF"), @Option(label = "SEVERE", value = "SEVERE"),
          @Option(label = "WARNING", value = "WARNING"), @Option(label = "INFO", value = "INFO"),
          @Option(label = "CONFIG", value = "CONFIG"), @Option(label = "FINE", value = "FINE"),
          @Option(label = "FINER", value = "FINER"), @Option(label = "FINEST", value = "FINEST"),
          @Option(label = "ALL", value = "ALL")})
  String log_level() default "INFO";
}

package org.lmctfy.daemon.config;

import java.util.logging.Logger;
import org.lmctfy.api.ContainerException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

/**
 * lmctfyd's configuration inside its framework (only the daemon runs this bundle, from {@code lib/osgi/}): it
 * designates {@link DaemonConfig} for PID {@value DaemonSettings#PID}, so that the metatype service types and
 * documents {@code etc/org.lmctfy.daemon.cfg} as it does the core's and the metrics bundle's, and it applies what
 * may change live. Every configuration is validated whole first ({@link DaemonSettings}): a bad value is refused
 * naming its key and nothing of it is applied. {@code log.level} applies at once; the socket was bound before the
 * framework started, so a changed {@code socket.*} is said to apply at lmctfyd's next start.
 */
@Component(service = {}, immediate = true, configurationPid = DaemonSettings.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = DaemonConfig.class)
public final class DaemonConfigComponent {
  /** The daemon's logger (the launcher's classes log to it); held here so that its level is not lost with it. */
  static final Logger DAEMON_LOG = Logger.getLogger("lmctfyd");
  private static final System.Logger LOG = System.getLogger(DaemonConfigComponent.class.getName());

  private DaemonSettings settings;

  @Activate
  synchronized void activate(DaemonConfig config) throws ContainerException {
    settings = apply(config);
  }

  @Modified
  synchronized void modified(DaemonConfig config) throws ContainerException {
    DaemonSettings next = apply(config);
    if (!next.socketPath().equals(settings.socketPath()) || !next.socketMode().equals(settings.socketMode())
        || !java.util.Objects.equals(next.socketGroup(), settings.socketGroup())) {
      LOG.log(System.Logger.Level.WARNING, DaemonSettings.FILE + ": " + DaemonSettings.SOCKET_PATH + ", "
          + DaemonSettings.SOCKET_MODE + " and " + DaemonSettings.SOCKET_GROUP + " apply at lmctfyd's next start (now "
          + next.socketPath() + " " + next.socketMode() + (next.socketGroup() == null ? "" : " " + next.socketGroup())
          + "); it serves on as it started");
    }
    settings = next;
  }

  /** The settings in force (tests). */
  synchronized DaemonSettings settings() {
    return settings;
  }

  /** Said in the log too: SCR reports a component's failure only to a log service, if there is one. */
  private static DaemonSettings apply(DaemonConfig config) throws ContainerException {
    DaemonSettings s;
    try {
      s = DaemonSettings.from(config, "nothing of it was applied; the running lmctfyd keeps its settings");
    } catch (ContainerException e) {
      LOG.log(System.Logger.Level.WARNING, e.getMessage());
      throw e;
    }
    DAEMON_LOG.setLevel(s.logLevel());
    return s;
  }
}

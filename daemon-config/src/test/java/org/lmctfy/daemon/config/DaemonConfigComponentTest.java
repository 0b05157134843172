package org.lmctfy.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.lmctfy.api.ContainerException;

/** The component as SCR drives it: log.level applied live, a bad configuration refused whole. */
class DaemonConfigComponentTest {
  private final Level before = DaemonConfigComponent.DAEMON_LOG.getLevel();
  private final DaemonConfigComponent component = new DaemonConfigComponent();

  @AfterEach
  void tearDown() {
    DaemonConfigComponent.DAEMON_LOG.setLevel(before);
  }

  @Test
  void theLogLevelAppliesLiveAndABadValueChangesNothing() throws Exception {
    component.activate(DaemonSettings.config(Map.of("log.level", "WARNING")));
    assertThat(DaemonConfigComponent.DAEMON_LOG.getLevel()).isEqualTo(Level.WARNING);

    component.modified(DaemonSettings.config(Map.of("log.level", "fine")));
    assertThat(DaemonConfigComponent.DAEMON_LOG.getLevel()).isEqualTo(Level.FINE);

    // A good level beside a bad mode: neither applies.
    assertThatThrownBy(() -> component.modified(DaemonSettings.config(Map.of("log.level", "SEVERE",
        "socket.mode", "660x"))))
        .isInstanceOf(ContainerException.class)
        .hasMessageContaining("socket.mode = \"660x\" is not an octal mode")
        .hasMessageContaining("the running lmctfyd keeps its settings");
    assertThat(DaemonConfigComponent.DAEMON_LOG.getLevel()).isEqualTo(Level.FINE);
    assertThat(component.settings().logLevel()).isEqualTo(Level.FINE);

    // A new socket is taken (it applies at the next start), not refused.
    component.modified(DaemonSettings.config(Map.of("log.level", "INFO", "socket.path", "/run/other.sock")));
    assertThat(component.settings().socketPath()).hasToString("/run/other.sock");
    assertThat(DaemonConfigComponent.DAEMON_LOG.getLevel()).isEqualTo(Level.INFO);
  }
}

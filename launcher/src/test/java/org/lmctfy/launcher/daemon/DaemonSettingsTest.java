package org.lmctfy.launcher.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;

/** etc/org.lmctfy.daemon.cfg: defaults, and bad values refused naming the key before anything starts. */
class DaemonSettingsTest {
  private static final Path DEFAULT = Path.of("/run/lmctfy/lmctfy.sock");

  @Test
  void defaults() throws ContainerException {
    assertThat(DaemonSettings.from(Map.of(), DEFAULT))
        .isEqualTo(new DaemonSettings(DEFAULT, "0660", null, Level.INFO));
  }

  @Test
  void valuesAreReadCaseInsensitiveForTheLevel() throws ContainerException {
    DaemonSettings s = DaemonSettings.from(Map.of("log.level", "fine", "socket.path", "/tmp/l.sock",
        "socket.mode", "0600", "socket.group", "lmctfy"), DEFAULT);
    assertThat(s).isEqualTo(new DaemonSettings(Path.of("/tmp/l.sock"), "0600", "lmctfy", Level.FINE));
  }

  @Test
  void anUnknownLogLevelIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> DaemonSettings.from(Map.of("log.level", "DEBUG"), DEFAULT))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT))
        .hasMessageContaining("etc/org.lmctfy.daemon.cfg: log.level = \"DEBUG\" is not a java.util.logging level");
  }

  @Test
  void aRelativeSocketOrABadModeIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> DaemonSettings.from(Map.of("socket.path", "lmctfy.sock"), DEFAULT))
        .hasMessageContaining("socket.path = \"lmctfy.sock\" is not an absolute path");
    assertThatThrownBy(() -> DaemonSettings.from(Map.of("socket.mode", "rw-rw----"), DEFAULT))
        .hasMessageContaining("socket.mode = \"rw-rw----\" is not an octal mode");
  }
}

package org.lmctfy.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
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
    assertThat(DaemonSettings.from(Map.of()))
        .isEqualTo(new DaemonSettings(DEFAULT, "0660", null, Level.INFO));
  }

  @Test
  void valuesAreReadCaseInsensitiveForTheLevel() throws ContainerException {
    DaemonSettings s = DaemonSettings.from(Map.of("log.level", "fine", "socket.path", "/tmp/l.sock",
        "socket.mode", "0600", "socket.group", "lmctfy"));
    assertThat(s).isEqualTo(new DaemonSettings(Path.of("/tmp/l.sock"), "0600", "lmctfy", Level.FINE));
  }

  @Test
  void anUnknownLogLevelIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> DaemonSettings.from(Map.of("log.level", "DEBUG")))
        .isInstanceOfSatisfying(ContainerException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT))
        .hasMessageContaining("etc/org.lmctfy.daemon.cfg: log.level = \"DEBUG\" is not a java.util.logging level")
        .hasMessageEndingWith("lmctfyd did not start (fix the key)");
  }

  @Test
  void aRelativeSocketOrABadModeIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> DaemonSettings.from(Map.of("socket.path", "lmctfy.sock")))
        .hasMessageContaining("socket.path = \"lmctfy.sock\" is not an absolute path");
    assertThatThrownBy(() -> DaemonSettings.from(Map.of("socket.mode", "rw-rw----")))
        .hasMessageContaining("socket.mode = \"rw-rw----\" is not an octal mode");
  }

  /** One source of truth: the keys validated are the annotation's elements, as DS and metatype name them. */
  @Test
  void theKeysAreTheAnnotationsElements() throws Exception {
    assertThat(Arrays.stream(DaemonConfig.class.getDeclaredMethods()).map(DaemonSettings::key))
        .containsExactlyInAnyOrder(DaemonSettings.SOCKET_PATH, DaemonSettings.SOCKET_MODE, DaemonSettings.SOCKET_GROUP,
            DaemonSettings.LOG_LEVEL);
    Method m = DaemonConfig.class.getMethod("socket_path");
    assertThat(DaemonSettings.config(Map.of()).socket_path()).isEqualTo(m.getDefaultValue())
        .isEqualTo(DaemonSettings.DEFAULT_SOCKET);
    assertThat(DaemonSettings.config(Map.of("socket.mode", " 0600 ")).socket_mode()).isEqualTo("0600");
  }

  /** What the metatype service reads in the bundle: every key typed, documented and with its default. */
  @Test
  void theBundleDescribesThePidThroughMetatype() throws Exception {
    String xml;
    try (InputStream in = DaemonSettingsTest.class.getResourceAsStream("/OSGI-INF/metatype/org.lmctfy.daemon.xml")) {
      assertThat(in).as("bnd's metatype resource").isNotNull();
      xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(xml).contains("pid=\"org.lmctfy.daemon\"")
        .containsPattern("<AD [^>]*id=\"socket.path\"[^>]*default=\"/run/lmctfy/lmctfy.sock\"")
        .containsPattern("<AD [^>]*id=\"socket.mode\"[^>]*default=\"0660\"")
        .containsPattern("<AD [^>]*id=\"socket.group\"")
        .containsPattern("<AD [^>]*id=\"log.level\"[^>]*default=\"INFO\"")
        .contains("<Option label=\"FINE\" value=\"FINE\"/>");
  }
}

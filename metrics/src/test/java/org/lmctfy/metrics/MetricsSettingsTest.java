package org.lmctfy.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsSettingsTest {
  @Test
  void defaultsAreOffOnTheLoopback() {
    assertThat(MetricsSettings.from(Map.of()))
        .isEqualTo(new MetricsSettings(false, "127.0.0.1", 9323, "/metrics", true));
  }

  @Test
  void aCfgFilesStringsAreTyped() {
    assertThat(MetricsSettings.from(Map.of("enabled", "true", "port", " 9400 ", "bind.address", "::1",
        "path", "/m", "stats.full", "false")))
        .isEqualTo(new MetricsSettings(true, "::1", 9400, "/m", false));
    assertThat(MetricsSettings.from(Map.of("enabled", Boolean.TRUE, "port", 9401)).port()).isEqualTo(9401);
  }

  @Test
  void aBadValueIsRefusedNamingItsKey() {
    assertThatThrownBy(() -> MetricsSettings.from(Map.of("port", "70000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("org.lmctfy.metrics: port = \"70000\" is not a TCP port from 1 to 65535");
    assertThatThrownBy(() -> MetricsSettings.from(Map.of("port", "0"))).hasMessageContaining("port = \"0\"");
    assertThatThrownBy(() -> MetricsSettings.from(Map.of("port", "http"))).hasMessageContaining("port = \"http\" is not a number");
    assertThatThrownBy(() -> MetricsSettings.from(Map.of("enabled", "yes"))).hasMessageContaining("enabled = \"yes\" is not true or false");
    assertThatThrownBy(() -> MetricsSettings.from(Map.of("path", "metrics"))).hasMessageContaining("path = \"metrics\"");
    assertThatThrownBy(() -> MetricsSettings.from(Map.of("bind.address", "a b"))).hasMessageContaining("bind.address = \"a b\"");
  }
}

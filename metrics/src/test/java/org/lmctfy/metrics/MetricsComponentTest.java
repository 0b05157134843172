package org.lmctfy.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The component as SCR drives it (activate, modified, deactivate), serving on a free loopback port. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsComponentTest {
  private final MetricsComponent component = new MetricsComponent();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void tearDown() {
    component.deactivate();
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private HttpResponse<String> get(int port, String path, String method) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build();
    return http.send(r, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesTheTextFormatOnTheLoopbackOnlyWhenEnabled() throws Exception {
    int port = freePort();
    component.activate(Map.of("port", String.valueOf(port)));
    assertThatThrownBy(() -> get(port, "/metrics", "GET")).isInstanceOf(java.net.ConnectException.class);

    component.modified(Map.of("enabled", "true", "port", String.valueOf(port)));
    HttpResponse<String> r = get(port, "/metrics", "GET");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("version=0.0.4"));
    // No core bound: the scrape answers and says so.
    assertThat(r.body()).containsPattern("(?m)^lmctfy_core_available 0(\\.0)?$");
    assertThat(get(port, "/other", "GET").statusCode()).isEqualTo(404);
    assertThat(get(port, "/metrics", "POST").statusCode()).isEqualTo(405);

    // A new path on the same port applies live.
    component.modified(Map.of("enabled", "true", "port", String.valueOf(port), "path", "/m"));
    assertThat(get(port, "/m", "GET").statusCode()).isEqualTo(200);
    assertThat(get(port, "/metrics", "GET").statusCode()).isEqualTo(404);
  }

  @Test
  void aBadValueIsRefusedAndTheRunningEndpointStays() throws Exception {
    int port = freePort();
    component.activate(Map.of("enabled", "true", "port", String.valueOf(port)));
    assertThatThrownBy(() -> component.modified(Map.of("enabled", "true", "port", "99999", "path", "/x")))
        .hasMessageContaining("port = \"99999\"");
    assertThat(get(port, "/metrics", "GET").statusCode()).isEqualTo(200);

    // A port someone else holds: refused naming the keys, the old endpoint serves on.
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> component.modified(Map.of("enabled", "true", "port",
          String.valueOf(taken.getLocalPort())))).hasMessageContaining("bind.address, port");
    }
    assertThat(get(port, "/metrics", "GET").statusCode()).isEqualTo(200);
  }
}

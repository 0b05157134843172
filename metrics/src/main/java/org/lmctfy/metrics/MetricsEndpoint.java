package org.lmctfy.metrics;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The scrape endpoint: the JDK's HTTP server (no servlet container in the framework), one thread, so scrapes are
 * served one at a time and a slow scraper cannot pile up readings of every container. GET or HEAD of the path
 * answers Prometheus' text format 0.0.4; anything else is 404 or 405.
 */
final class MetricsEndpoint implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;
  private final String bindAddress;
  private HttpContext context;

  private MetricsEndpoint(HttpServer server, ExecutorService executor, String bindAddress) {
    this.server = server;
    this.executor = executor;
    this.bindAddress = bindAddress;
  }

  /** Listens on {@code address:port}; throws (nothing left open) when the port cannot be bound. */
  static MetricsEndpoint start(String address, int port, String path, Supplier<MetricSnapshots> source)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 16);
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "lmctfy-metrics-" + port);
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    MetricsEndpoint e = new MetricsEndpoint(server, executor, address);
    e.serve(path, source);
    server.start();
    return e;
  }

  boolean listensOn(String address, int port) {
    return bindAddress.equals(address) && server.getAddress().getPort() == port;
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** Serves {@code source} at {@code path} from now on (a new configuration on the same port). */
  synchronized void serve(String path, Supplier<MetricSnapshots> source) {
    if (context != null) {
      server.removeContext(context);
    }
    context = server.createContext("/", exchange -> handle(exchange, path, source));
  }

  private static void handle(HttpExchange exchange, String path, Supplier<MetricSnapshots> source)
      throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!exchange.getRequestURI().getPath().equals(path)) {
        reply(exchange, 404, "text/plain; charset=utf-8", ("Not found: the metrics are at " + path + "\n")
            .getBytes(StandardCharsets.UTF_8), method);
        return;
      }
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        reply(exchange, 405, "text/plain; charset=utf-8", new byte[0], method);
        return;
      }
      byte[] body;
      PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
      try {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(1 << 16);
        writer.write(buf, source.get());
        body = buf.toByteArray();
      } catch (RuntimeException e) {
        reply(exchange, 500, "text/plain; charset=utf-8", ("Scrape failed: " + e + "\n")
            .getBytes(StandardCharsets.UTF_8), method);
        return;
      }
      reply(exchange, 200, writer.getContentType(), body, method);
    }
  }

  private static void reply(HttpExchange exchange, int status, String type, byte[] body, String method)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    boolean head = method.equals("HEAD");
    exchange.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
    if (!head && body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

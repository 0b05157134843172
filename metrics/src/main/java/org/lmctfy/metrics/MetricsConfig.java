package org.lmctfy.metrics;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The metrics bundle's configuration, PID {@code org.lmctfy.metrics} ({@code etc/org.lmctfy.metrics.cfg} in the
 * distribution). Typed and documented through the metatype service; {@link MetricsSettings} refuses a bad value
 * naming its key.
 */
@ObjectClassDefinition(id = MetricsComponent.PID, name = "lmctfy metrics",
    description = "A Prometheus scrape endpoint with every container's resources under cAdvisor's names.")
@interface MetricsConfig {
  @AttributeDefinition(description = "Serve the endpoint. Off by default: a node agent opens no port unasked.")
  boolean enabled() default false;

  @AttributeDefinition(name = "Bind address",
      description = "The address to listen on: the loopback by default; 0.0.0.0 for every interface.")
  String bind_address() default MetricsSettings.DEFAULT_BIND_ADDRESS;

  @AttributeDefinition(description = "The TCP port to listen on (1-65535).", min = "1", max = "65535")
  int port() default MetricsSettings.DEFAULT_PORT;

  @AttributeDefinition(description = "The HTTP path of the scrape endpoint, starting with /.")
  String path() default MetricsSettings.DEFAULT_PATH;

  @AttributeDefinition(name = "Full stats",
      description = "Gather FULL stats (CFS throttling counters) rather than SUMMARY.")
  boolean stats_full() default true;
}

package org.lmctfy.metrics;

import java.io.IOException;
import java.util.Map;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.StatsType;
import org.lmctfy.api.health.ApiHealth;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The Prometheus endpoint as an OSGi component. It exists only with a configuration (PID
 * {@value #PID}; the CLI's embedded framework has none, so it never opens a port) and serves only when
 * {@code enabled = true}. The ContainerApi service and the resource factories are optional and dynamic: without
 * the core or a controller the scrape still answers and says so.
 */
@Component(service = {}, immediate = true, configurationPid = MetricsComponent.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = MetricsConfig.class)
public final class MetricsComponent {
  static final String PID = "org.lmctfy.metrics";
  private static final System.Logger LOG = System.getLogger(MetricsComponent.class.getName());

  private final Controllers controllers = new Controllers();
  private final ApiCalls calls = new ApiCalls();
  private final BlockDevices devices = BlockDevices.system();

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile ContainerApi api;

  /** The core's own counts (the same component as {@link #api}, a service of its own). */
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile ApiHealth health;

  private MetricsSettings settings;
  private MetricsEndpoint endpoint;

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void bindFactory(ResourceHandlerFactory factory, Map<String, Object> properties) {
    Object r = properties.get(ResourceHandlerFactory.RESOURCE_PROPERTY);
    controllers.bind(factory, r != null ? r.toString() : factory.resource());
  }

  void unbindFactory(ResourceHandlerFactory factory) {
    controllers.unbind(factory);
  }

  @Activate
  synchronized void activate(Map<String, Object> properties) throws IOException {
    try {
      apply(MetricsSettings.from(properties));
    } catch (IllegalArgumentException | IOException e) {
      refused(e);
      throw e;
    }
  }

  /** A changed .cfg: validated whole first; a bad value or a port that cannot be bound leaves the old one. */
  @Modified
  synchronized void modified(Map<String, Object> properties) throws IOException {
    try {
      MetricsSettings next = MetricsSettings.from(properties);
      if (!next.equals(settings)) {
        apply(next);
      }
    } catch (IllegalArgumentException | IOException e) {
      refused(e);
      throw e;
    }
  }

  /** Said in the daemon's log too: SCR reports a component's failure only to a log service, if there is one. */
  private static void refused(Exception e) {
    LOG.log(System.Logger.Level.WARNING, e.getMessage());
  }

  private void apply(MetricsSettings next) throws IOException {
    Scrape scrape = new Scrape(() -> api, () -> health, controllers, calls, devices,
        next.statsFull() ? StatsType.FULL : StatsType.SUMMARY);
    if (!next.enabled()) {
      closeEndpoint();
    } else if (endpoint != null && endpoint.listensOn(next.bindAddress(), next.port())) {
      endpoint.serve(next.path(), scrape::collect);
    } else {
      MetricsEndpoint started;
      try {
        started = MetricsEndpoint.start(next.bindAddress(), next.port(), next.path(), scrape::collect);
      } catch (IOException e) {
        throw new IOException("Configuration " + PID + ": cannot listen on " + next.bindAddress() + ":" + next.port()
            + " (keys bind.address, port): " + e.getMessage(), e);
      }
      closeEndpoint();
      endpoint = started;
      LOG.log(System.Logger.Level.INFO, "lmctfy metrics: serving http://" + next.bindAddress() + ":" + next.port()
          + next.path());
    }
    settings = next;
  }

  private void closeEndpoint() {
    if (endpoint != null) {
      endpoint.close();
      endpoint = null;
    }
  }

  @Deactivate
  synchronized void deactivate() {
    closeEndpoint();
  }
}

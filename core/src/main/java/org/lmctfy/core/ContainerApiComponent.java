package org.lmctfy.core;

import java.util.Map;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.health.ApiHealth;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The ContainerApi OSGi service. Resource factories are tracked dynamically: they may come and go at any
 * time without the service restarting (ARCHITECTURE.md § Hot-swap contract). Configured by PID {@code org.lmctfy.core}
 * ({@link CoreConfig}, resolved and validated by {@link CoreSettings}).
 *
 * <p>Also the {@link ApiHealth} service (ARCHITECTURE.md § Health): every client's call passes here, so it is
 * counted here; the counts and swap windows outlive a new configuration (the API rebuilt), not the component.
 */
@Component(service = {ContainerApi.class, ApiHealth.class}, immediate = true, configurationPid = CoreSettings.PID)
@Designate(ocd = CoreConfig.class)
public final class ContainerApiComponent implements ContainerApi, ApiHealth {
  private static final System.Logger LOG = System.getLogger(ContainerApiComponent.class.getName());

  private final FactoryRegistry factories = new FactoryRegistry();
  private final OperationCounts operations = new OperationCounts();
  private final ControllerAbsences absences = new ControllerAbsences(System::nanoTime);

  {
    // Before any factory binds: a swap window is counted from the registry's own changes.
    factories.addListener(r -> absences.changed(r, () -> factories.get(r).isPresent()));
  }
  private volatile ContainerApiImpl impl;
  private volatile CoreSettings settings;

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void bindFactory(ResourceHandlerFactory factory) {
    factories.add(factory);
  }

  void unbindFactory(ResourceHandlerFactory factory) {
    factories.remove(factory);
  }

  @Activate
  void activate(BundleContext context, Map<String, Object> config) throws ContainerException {
    CoreSettings first = refusedIfBad(context, config);
    impl = open(first);
    settings = first;
  }

  /**
   * A new configuration (etc/org.lmctfy.core.cfg edited under a running daemon): validated whole first (a bad
   * value changes nothing); when the effective settings change, the API is rebuilt on them; when they do not (the
   * same values delivered again), nothing happens, so notification registrations live on.
   */
  @Modified
  void modified(BundleContext context, Map<String, Object> config) throws ContainerException {
    CoreSettings next = refusedIfBad(context, config);
    if (next.equals(settings)) {
      return;
    }
    ContainerApiImpl old = impl;
    impl = open(next);
    settings = next;
    old.close();
  }

  /** The settings in force (tests). */
  CoreSettings settings() {
    return settings;
  }

  /** Said in the log too: SCR reports a component's failure only to a log service, if there is one. */
  private static CoreSettings refusedIfBad(BundleContext context, Map<String, Object> config)
      throws ContainerException {
    try {
      return CoreSettings.from(context::getProperty, config);
    } catch (ContainerException e) {
      LOG.log(System.Logger.Level.WARNING, e.getMessage());
      throw e;
    }
  }

  private ContainerApiImpl open(CoreSettings s) throws ContainerException {
    ContainerApiImpl api = new ContainerApiImpl(CgroupLayout.detect(), s.cgroupRoot(), s.stateDir(), factories,
        s.execHelper());
    // What a process killed in the middle of an operation left is finished or undone in the background (and
    // again as controllers bind, which may be after the core).
    api.scheduleRecovery();
    return api;
  }

  @Deactivate
  void deactivate() {
    impl.close();
  }

  @Override
  public void initMachine(InitSpec spec) throws ContainerException {
    operations.count("init_machine", () -> impl.initMachine(spec));
  }

  @Override
  public Container get(String name) throws ContainerException {
    return new CountedContainer(operations.count("get", () -> impl.get(name)), operations);
  }

  @Override
  public Container create(String name, ContainerSpec spec) throws ContainerException {
    return new CountedContainer(operations.count("create", () -> impl.create(name, spec)), operations);
  }

  @Override
  public void destroy(Container container) throws ContainerException {
    operations.count("destroy", () -> impl.destroy(container));
  }

  @Override
  public String detect(long tid) throws ContainerException {
    return operations.count("detect", () -> impl.detect(tid));
  }

  @Override
  public Map<String, Map<StatusCode, Long>> operations() {
    return operations.snapshot();
  }

  @Override
  public int notificationRegistrations() {
    ContainerApiImpl i = impl;
    return i == null ? 0 : i.notifications().active();
  }

  @Override
  public Map<String, SwapWindows> swapWindows() {
    return absences.snapshot();
  }
}

package org.lmctfy.core;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.ContainerSpec;
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

/**
 * The ContainerApi OSGi service. Resource factories are tracked dynamically: they may come and go at any
 * time without the service restarting (ARCHITECTURE.md § Hot-swap contract). Configured by PID {@code org.lmctfy.core}.
 */
@Component(service = ContainerApi.class, immediate = true, configurationPid = "org.lmctfy.core")
public final class ContainerApiComponent implements ContainerApi {
  /**
   * Configuration keys (PID {@code org.lmctfy.core}, e.g. {@code etc/org.lmctfy.core.cfg}); the framework
   * property {@code lmctfy.<key>} (set by the launcher from its flags) wins over them.
   */
  static final String CGROUP_ROOT = "cgroup.root";
  static final String STATE_DIR = "state.dir";
  static final String EXEC_HELPER = "exec.helper";

  private final FactoryRegistry factories = new FactoryRegistry();
  private volatile ContainerApiImpl impl;
  private volatile List<String> settings;

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
    settings = settings(context, config);
    impl = open(settings);
  }

  /**
   * A new configuration (etc/org.lmctfy.core.cfg edited under a running daemon): when the effective settings
   * change, the API is rebuilt on them; when they do not (the same values delivered again), nothing happens, so
   * notification registrations live on.
   */
  @Modified
  void modified(BundleContext context, Map<String, Object> config) throws ContainerException {
    List<String> next = settings(context, config);
    if (next.equals(settings)) {
      return;
    }
    ContainerApiImpl old = impl;
    impl = open(next);
    settings = next;
    old.close();
  }

  private ContainerApiImpl open(List<String> s) throws ContainerException {
    ContainerApiImpl api = new ContainerApiImpl(CgroupLayout.detect(), s.get(0), Path.of(s.get(1)), factories,
        s.get(2).isBlank() ? null : Path.of(s.get(2)));
    // What a process killed in the middle of an operation left is finished or undone in the background (and
    // again as controllers bind, which may be after the core).
    api.scheduleRecovery();
    return api;
  }

  private static List<String> settings(BundleContext context, Map<String, Object> config) {
    return List.of(setting(context, config, CGROUP_ROOT, "/"), setting(context, config, STATE_DIR, "/run/lmctfy"),
        setting(context, config, EXEC_HELPER, ""));
  }

  /**
   * A launcher's flag (framework property {@code lmctfy.KEY}) wins over the configuration, which wins over the
   * launcher's defaults (framework property {@code lmctfy.default.KEY}: etc/'s values at start, so the core is
   * right before ConfigAdmin delivers them), then the built-in default.
   */
  private static String setting(BundleContext context, Map<String, Object> config, String key, String def) {
    for (Object v : new Object[] {context.getProperty("lmctfy." + key), config.get(key),
        context.getProperty("lmctfy.default." + key)}) {
      if (v != null && !v.toString().isBlank()) {
        return v.toString().strip();
      }
    }
    return def;
  }

  @Deactivate
  void deactivate() {
    impl.close();
  }

  @Override
  public void initMachine(InitSpec spec) throws ContainerException {
    impl.initMachine(spec);
  }

  @Override
  public Container get(String name) throws ContainerException {
    return impl.get(name);
  }

  @Override
  public Container create(String name, ContainerSpec spec) throws ContainerException {
    return impl.create(name, spec);
  }

  @Override
  public void destroy(Container container) throws ContainerException {
    impl.destroy(container);
  }

  @Override
  public String detect(long tid) throws ContainerException {
    return impl.detect(tid);
  }
}

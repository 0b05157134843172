package org.lmctfy.core;

import java.nio.file.Path;
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
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The ContainerApi OSGi service. Resource factories are tracked dynamically: they may come and go at any
 * time without the service restarting (DESIGN §8). Configured by PID {@code org.lmctfy.core}.
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
    String helper = setting(context, config, EXEC_HELPER, "");
    impl = new ContainerApiImpl(CgroupLayout.detect(), setting(context, config, CGROUP_ROOT, "/"),
        Path.of(setting(context, config, STATE_DIR, "/run/lmctfy")), factories,
        helper.isBlank() ? null : Path.of(helper));
  }

  /** A launcher's flag (framework property lmctfy.KEY) wins over the configuration, which wins over the default. */
  private static String setting(BundleContext context, Map<String, Object> config, String key, String def) {
    Object v = context.getProperty("lmctfy." + key);
    if (v == null || v.toString().isBlank()) {
      v = config.get(key);
    }
    return v == null || v.toString().isBlank() ? def : v.toString().strip();
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

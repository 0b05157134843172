package org.lmctfy.core;

import java.nio.file.Path;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerApi;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.api.proto.InitSpec;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.cgroup.CgroupLayout;
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
  /** Component configuration. */
  public @interface Config {
    /** The cgroup path of container "/" in every hierarchy. */
    String cgroup_root() default "/";

    /** Records and lock files. */
    String state_dir() default "/run/lmctfy";
  }

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
  void activate(Config config) throws ContainerException {
    impl = new ContainerApiImpl(CgroupLayout.detect(), config.cgroup_root(), Path.of(config.state_dir()),
        factories);
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

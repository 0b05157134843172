package org.lmctfy.controller.freezer;

import java.nio.file.Path;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.SpecOperation;
import org.lmctfy.spi.cgroup.CgroupLayout;
import org.lmctfy.spi.cgroup.ControllerFactory;
import org.lmctfy.spi.cgroup.Hierarchy;
import org.osgi.service.component.annotations.Component;

/**
 * Pause and resume (lmctfy's freezer). Every container gets one, as in lmctfy. v1: the freezer hierarchy
 * ({@code freezer.state}); cgroup2 (no v1 freezer mounted): {@code cgroup.freeze} of the container's own
 * cgroup, which needs no controller.
 */
@Component(service = ResourceHandlerFactory.class, property = ResourceHandlerFactory.RESOURCE_PROPERTY + "=freezer")
public final class FreezerFactory extends ControllerFactory {
  @Override
  public String resource() {
    return "freezer";
  }

  @Override
  public boolean isMentioned(ContainerSpec spec) {
    return true;
  }

  @Override
  public void validate(ContainerContext container, ContainerSpec spec, SpecOperation operation)
      throws ContainerException {
    require(container.tree());
  }

  @Override
  public List<Hierarchy> hierarchies(CgroupLayout layout) {
    var v1 = layout.v1("freezer");
    if (v1.isPresent()) {
      return List.of(v1.get());
    }
    return layout.unified().map(List::of).orElse(List.of());
  }

  @Override
  protected String v2Controller() {
    return null; // cgroup.freeze is part of every non-root cgroup2 cgroup
  }

  @Override
  protected ResourceHandler handler(ContainerContext container, Hierarchy main, List<Path> dirs) {
    return new FreezerHandler(container, main, dirs);
  }
}

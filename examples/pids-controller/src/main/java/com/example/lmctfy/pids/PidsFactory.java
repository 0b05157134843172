package com.example.lmctfy.pids;

import com.example.lmctfy.pids.proto.PidsSpec;
import com.google.protobuf.Any;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
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
 * A vendor resource: limits the number of tasks with the pids controller (v1 and cgroup2). Configured in
 * the spec's extensions map:
 * {@code extensions { key: "pids" value { [type.googleapis.com/com.example.lmctfy.pids.PidsSpec] { max: 64 } } }}.
 */
@Component(service = ResourceHandlerFactory.class, property = ResourceHandlerFactory.RESOURCE_PROPERTY + "=pids")
public final class PidsFactory extends ControllerFactory {
  public static final String RESOURCE = "pids";

  @Override
  public String resource() {
    return RESOURCE;
  }

  @Override
  public boolean isMentioned(ContainerSpec spec) {
    return spec.getExtensionsMap().containsKey(RESOURCE);
  }

  @Override
  public List<Descriptors.Descriptor> extensionTypes() {
    return List.of(PidsSpec.getDescriptor(), com.example.lmctfy.pids.proto.PidsStats.getDescriptor());
  }

  @Override
  public List<Hierarchy> hierarchies(CgroupLayout layout) {
    return layout.forController("pids").map(List::of).orElse(List.of());
  }

  @Override
  protected String v2Controller() {
    return "pids";
  }

  @Override
  protected ResourceHandler handler(ContainerContext container, Hierarchy main, List<Path> dirs) {
    return new PidsHandler(container, main, dirs);
  }

  /** The spec's PidsSpec, or INVALID_ARGUMENT naming what is wrong with it. */
  static PidsSpec pidsSpec(ContainerSpec spec) throws ContainerException {
    Any any = spec.getExtensionsMap().get(RESOURCE);
    if (any == null) {
      return null;
    }
    if (!any.is(PidsSpec.class)) {
      throw ContainerException.invalidArgument("extensions[\"pids\"] must hold a "
          + PidsSpec.getDescriptor().getFullName() + ", not " + any.getTypeUrl());
    }
    try {
      return any.unpack(PidsSpec.class);
    } catch (InvalidProtocolBufferException e) {
      throw ContainerException.invalidArgument("extensions[\"pids\"] is not a valid PidsSpec: " + e.getMessage());
    }
  }

  @Override
  public void validate(ContainerContext container, ContainerSpec spec, SpecOperation operation)
      throws ContainerException {
    require(container.tree());
    PidsSpec p = pidsSpec(spec);
    if (p != null && (p.getMax() == 0 || p.getMax() < -1)) {
      throw ContainerException.invalidArgument("pids.max must be > 0 (or -1 for no limit), got " + p.getMax());
    }
  }
}

package org.lmctfy.controller.blockio;

import java.nio.file.Path;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.BlockIoSpec;
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
 * lmctfy's {@code blockio} (defined but never wired in lmctfy): proportional weights and per-device
 * bandwidth/IOPS caps. v1: blkio ({@code blkio.weight} or {@code blkio.bfq.weight}, {@code blkio.throttle.*});
 * cgroup2: io ({@code io.weight} or {@code io.bfq.weight}, {@code io.max}).
 */
@Component(service = ResourceHandlerFactory.class, property = ResourceHandlerFactory.RESOURCE_PROPERTY + "=blockio")
public final class BlockIoFactory extends ControllerFactory {
  @Override
  public String resource() {
    return "blockio";
  }

  @Override
  public boolean isMentioned(ContainerSpec spec) {
    return spec.hasBlockio();
  }

  @Override
  public List<Hierarchy> hierarchies(CgroupLayout layout) {
    var v1 = layout.v1("blkio");
    if (v1.isPresent()) {
      return List.of(v1.get());
    }
    return layout.forController("io").map(List::of).orElse(List.of());
  }

  @Override
  protected String v2Controller() {
    return "io";
  }

  @Override
  protected ResourceHandler handler(ContainerContext container, Hierarchy main, List<Path> dirs) {
    return new BlockIoHandler(container, main, dirs);
  }

  @Override
  public void validate(ContainerContext container, ContainerSpec spec, SpecOperation operation)
      throws ContainerException {
    require(container.tree());
    BlockIoSpec b = spec.getBlockio();
    if (b.hasDeviceLimitSet()) {
      BlockIoSpec.DeviceLimitSet w = b.getDeviceLimitSet();
      if (w.hasDefaultLimit()) {
        checkWeight("blockio.device_limit_set.default_limit", w.getDefaultLimit());
      }
      for (BlockIoSpec.DeviceLimit d : w.getDeviceLimitsList()) {
        BlockDevices.check("blockio.device_limit_set.device_limits", d.getDevice());
        checkWeight("blockio.device_limit_set.device_limits[" + BlockDevices.id(d.getDevice()) + "]", d.getLimit());
      }
    }
    for (BlockIoSpec.MaxLimit m : b.getMaxDeviceLimitSet().getMaxLimitsList()) {
      if (!m.hasOpType() || !m.hasLimitType()) {
        throw ContainerException.invalidArgument("blockio.max_device_limit_set.max_limits needs op_type and"
            + " limit_type");
      }
      for (BlockIoSpec.DeviceLimit d : m.getLimitsList()) {
        BlockDevices.check("blockio.max_device_limit_set", d.getDevice());
        if (d.getLimit() <= 0) {
          throw ContainerException.invalidArgument("blockio.max_device_limit_set: limit for "
              + BlockDevices.id(d.getDevice()) + " must be > 0 (omit the device for no limit)");
        }
      }
    }
  }

  private static void checkWeight(String field, long w) throws ContainerException {
    if (w < 1 || w > 100) {
      throw ContainerException.invalidArgument(field + " is a weight within 1-100, got " + w);
    }
  }
}

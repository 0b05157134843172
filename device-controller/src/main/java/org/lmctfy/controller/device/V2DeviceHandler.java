package org.lmctfy.controller.device;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.cgroup.ControllerFactory;
import org.lmctfy.spi.cgroup.ControllerHandler;
import org.lmctfy.spi.cgroup.Hierarchy;

/**
 * Device rules on cgroup2 (Documentation/admin-guide/cgroup-v2.rst, "Device controller"): no files, a device
 * program attached to the container's cgroup. The kernel cannot show a program's rules, so they come from the
 * container's record (the rules requested so far, in order).
 */
final class V2DeviceHandler extends ControllerHandler {
  V2DeviceHandler(ContainerContext container, Hierarchy hierarchy, List<Path> dirs) {
    super(container, hierarchy, dirs);
  }

  @Override
  public String resource() {
    return "device";
  }

  /** The rules of the container's record (empty for one being created). */
  static List<DeviceRule> recorded(ContainerContext container) throws ContainerException {
    Optional<ContainerSpec> s = container.requestedSpec();
    return s.isPresent() ? DeviceRule.fromSpec(s.get().getDevice()) : List.of();
  }

  @Override
  public void update(ContainerSpec spec, UpdatePolicy policy) throws ContainerException {
    if (!spec.hasDevice() && policy == UpdatePolicy.DIFF) {
      return;
    }
    // The record still holds the rules before this update (it is written after): DIFF applies the new ones on top.
    List<DeviceRule> rules = new ArrayList<>();
    if (policy == UpdatePolicy.DIFF) {
      rules.addAll(recorded(container));
    }
    rules.addAll(DeviceRule.fromSpec(spec.getDevice()));
    programs().install(DeviceEmulator.of(rules));
  }

  DevicePrograms programs() throws ContainerException {
    return new DevicePrograms(Bpf.open(), dir);
  }

  @Override
  public void fillSpec(ContainerSpec.Builder spec) throws ContainerException {
    spec.setDevice(DeviceRule.toSpec(DeviceEmulator.of(recorded(container)).rules()));
  }

  @Override
  public void destroy() throws ContainerException {
    // Removing the cgroup detaches its programs too; detaching first also covers a cgroup that stays.
    programs().remove();
    ControllerFactory.removeV1(List.of(hierarchy), dirs);
  }
}

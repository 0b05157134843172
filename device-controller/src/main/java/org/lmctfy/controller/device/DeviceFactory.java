package org.lmctfy.controller.device;

import java.nio.file.Path;
import java.util.ArrayList;
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
 * lmctfy's {@code device} resource: device access rules (DeviceSpec) applied in order. v1: the devices
 * hierarchy ({@code devices.allow}, {@code devices.deny}, read back from {@code devices.list}); cgroup2 (no v1
 * devices hierarchy mounted): a device program attached to the container's own cgroup, which needs no
 * controller. Which one holds devices comes from the layout.
 */
@Component(service = ResourceHandlerFactory.class, property = ResourceHandlerFactory.RESOURCE_PROPERTY + "=device")
public final class DeviceFactory extends ControllerFactory {
  private final boolean programsOnly;
  /** Whether this kernel loads device programs, once known (null: not asked yet). */
  private volatile ContainerException programsUnsupported;
  private volatile boolean programsProbed;

  public DeviceFactory() {
    this(false);
  }

  /**
   * @param programsOnly use cgroup2 device programs even where a v1 devices hierarchy is mounted (a hybrid host,
   *     where both are enforced): for tests of the cgroup2 path on such a host
   */
  DeviceFactory(boolean programsOnly) {
    this.programsOnly = programsOnly;
  }

  @Override
  public String resource() {
    return "device";
  }

  @Override
  public boolean isMentioned(ContainerSpec spec) {
    return spec.hasDevice();
  }

  @Override
  public List<Hierarchy> hierarchies(CgroupLayout layout) {
    if (!programsOnly) {
      var v1 = layout.v1("devices");
      if (v1.isPresent()) {
        return List.of(v1.get());
      }
    }
    return layout.unified().map(List::of).orElse(List.of());
  }

  @Override
  protected String v2Controller() {
    return null; // device programs attach to any cgroup2 cgroup
  }

  @Override
  protected ResourceHandler handler(ContainerContext container, Hierarchy main, List<Path> dirs) {
    return main.unified() ? new V2DeviceHandler(container, main, dirs) : new V1DeviceHandler(container, main, dirs);
  }

  @Override
  public void validate(ContainerContext container, ContainerSpec spec, SpecOperation operation)
      throws ContainerException {
    Hierarchy h = require(container.tree()).get(0);
    List<DeviceRule> rules = DeviceRule.fromSpec(spec.getDevice());
    if (h.unified()) {
      // cgroup2 enforces the record's rules, then these (DIFF): the whole list must make sense.
      List<DeviceRule> all = new ArrayList<>();
      if (operation == SpecOperation.UPDATE_DIFF) {
        all.addAll(V2DeviceHandler.recorded(container));
      }
      all.addAll(rules);
      DeviceEmulator.of(all);
      requirePrograms();
    } else {
      DeviceEmulator.of(rules);
    }
  }

  /** FAILED_PRECONDITION (or PERMISSION_DENIED) when this kernel or JVM cannot load a device program. */
  private void requirePrograms() throws ContainerException {
    if (!programsProbed) {
      try {
        Bpf bpf = Bpf.open();
        bpf.close(bpf.load(DeviceFilter.encode(DeviceFilter.program(DeviceEmulator.allowAll()))));
        programsUnsupported = null;
      } catch (ContainerException e) {
        programsUnsupported = e;
      }
      programsProbed = true;
    }
    if (programsUnsupported != null) {
      throw new ContainerException(programsUnsupported.code(), "Resource device on cgroup2: "
          + programsUnsupported.getMessage());
    }
  }
}

package org.lmctfy.controller.device;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.UpdatePolicy;
import org.lmctfy.api.proto.ContainerSpec;
import org.lmctfy.spi.ContainerContext;
import org.lmctfy.spi.cgroup.ControlFiles;
import org.lmctfy.spi.cgroup.ControllerHandler;
import org.lmctfy.spi.cgroup.Hierarchy;

/**
 * Device rules on cgroup v1 (Documentation/admin-guide/cgroup-v1/devices.rst): each rule written in order to
 * {@code devices.allow} or {@code devices.deny}, the kernel keeping the result; {@code devices.list} read back.
 */
final class V1DeviceHandler extends ControllerHandler {
  static final String ALLOW = "devices.allow";
  static final String DENY = "devices.deny";
  static final String LIST = "devices.list";

  V1DeviceHandler(ContainerContext container, Hierarchy hierarchy, List<Path> dirs) {
    super(container, hierarchy, dirs);
  }

  @Override
  public String resource() {
    return "device";
  }

  @Override
  public void update(ContainerSpec spec, UpdatePolicy policy) throws ContainerException {
    if (!spec.hasDevice() && policy == UpdatePolicy.DIFF) {
      return;
    }
    List<DeviceRule> rules = DeviceRule.fromSpec(spec.getDevice());
    if (policy == UpdatePolicy.REPLACE && (rules.isEmpty() || rules.get(0).type() != 'a')) {
      reset();
    }
    for (DeviceRule r : rules) {
      write(r);
    }
  }

  /**
   * Back to what a new cgroup gets, its parent's rules, before a REPLACE that does not start from every device
   * allowed or denied itself: {@code a} allowed (the kernel copies the parent's exceptions); where the parent
   * denies by default, {@code a} denied and the parent's exceptions allowed again.
   */
  private void reset() throws ContainerException {
    try {
      write(DeviceRule.ALLOW_ALL);
    } catch (ContainerException e) {
      if (e.code() != StatusCode.PERMISSION_DENIED) {
        throw e;
      }
      write(DeviceRule.DENY_ALL);
      for (String line : lines(dir.getParent())) {
        write(DeviceRule.parseListLine(line));
      }
    }
  }

  private void write(DeviceRule r) throws ContainerException {
    try {
      ControlFiles.write(dir, r.allow() ? ALLOW : DENY, r.line());
    } catch (ContainerException e) {
      if (r.type() == 'a' && e.code() == StatusCode.INVALID_ARGUMENT && !ControlFiles.subdirectories(dir).isEmpty()) {
        throw ContainerException.failedPrecondition("Container " + name() + ": cgroup v1 refuses a DEVICE_ALL rule ("
            + r + ") in a devices cgroup with children (" + dir + "); name the devices one by one, or set the"
            + " rule before creating subcontainers");
      }
      throw e;
    }
  }

  private static List<String> lines(Path d) throws ContainerException {
    List<String> out = new ArrayList<>();
    for (String l : ControlFiles.read(d, LIST).split("\n")) {
      if (!l.isBlank()) {
        out.add(l.trim());
      }
    }
    return out;
  }

  @Override
  public void fillSpec(ContainerSpec.Builder spec) throws ContainerException {
    List<String> lines = lines(dir);
    List<DeviceRule> rules = new ArrayList<>();
    if (lines.size() == 1 && lines.get(0).startsWith("a ")) {
      // Allowed by default: the kernel lists no deny exception then, so they come from the recorded rules.
      var requested = container.requestedSpec();
      DeviceEmulator e = requested.isPresent()
          ? DeviceEmulator.of(DeviceRule.fromSpec(requested.get().getDevice())) : DeviceEmulator.allowAll();
      rules.addAll(e.defaultAllow() ? e.rules() : List.of(DeviceRule.ALLOW_ALL));
    } else {
      rules.add(DeviceRule.DENY_ALL); // as lmctfy: the list holds the allowed devices of a deny-by-default cgroup
      for (String l : lines) {
        rules.add(DeviceRule.parseListLine(l));
      }
    }
    spec.setDevice(DeviceRule.toSpec(rules));
  }
}

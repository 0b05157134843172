package org.lmctfy.controller.device;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lmctfy.api.ContainerException;

/**
 * cgroup v1's device rules applied in order, computed instead of written (Documentation/admin-guide/cgroup-v1/
 * devices.rst): a default (allow or deny every device) and exceptions to it, as opencontainers/cgroups'
 * {@code devices_emulator.go} does, so that the cgroup2 program enforces exactly what v1 would. Like runc it
 * refuses to remove part of a wildcard exception (v1 silently ignores such a rule).
 */
final class DeviceEmulator {
  /** An exception's device: type, major, minor (WILDCARD for *). */
  private record Node(char type, long major, long minor) {}

  private static final Comparator<Node> ORDER = Comparator.comparingLong(Node::major)
      .thenComparingLong(Node::minor).thenComparing(Node::type);

  private boolean defaultAllow;
  private final Map<Node, Integer> exceptions = new TreeMap<>(ORDER);

  private DeviceEmulator(boolean defaultAllow) {
    this.defaultAllow = defaultAllow;
  }

  /** A cgroup that allows every device (a new container before its rules: its parent's limits still apply). */
  static DeviceEmulator allowAll() {
    return new DeviceEmulator(true);
  }

  /** The state after {@code rules}, from allow-all. INVALID_ARGUMENT naming the rule v1 could not apply. */
  static DeviceEmulator of(List<DeviceRule> rules) throws ContainerException {
    DeviceEmulator e = allowAll();
    for (int i = 0; i < rules.size(); i++) {
      e.apply(rules.get(i), "device.restrictions_set.restrictions[" + i + "]");
    }
    return e;
  }

  void apply(DeviceRule rule, String field) throws ContainerException {
    if (rule.type() == 'a') {
      defaultAllow = rule.allow();
      exceptions.clear();
      return;
    }
    Node node = new Node(rule.type(), rule.major(), rule.minor());
    if (rule.allow() == defaultAllow) {
      remove(node, rule.access(), field, rule);
    } else {
      exceptions.merge(node, rule.access(), (a, b) -> a | b);
    }
  }

  private void remove(Node node, int access, String field, DeviceRule rule) throws ContainerException {
    for (Node partial : List.of(new Node(node.type(), DeviceRule.WILDCARD, node.minor()),
        new Node(node.type(), node.major(), DeviceRule.WILDCARD),
        new Node(node.type(), DeviceRule.WILDCARD, DeviceRule.WILDCARD))) {
      if (!partial.equals(node) && (exceptions.getOrDefault(partial, 0) & access) != 0) {
        DeviceRule wider = new DeviceRule(partial.type(), partial.major(), partial.minor(), exceptions.get(partial),
            !rule.allow());
        throw ContainerException.invalidArgument(field + " (" + rule + ") would punch a hole in the wildcard rule \""
            + wider + "\" before it, which cgroup v1 cannot do: narrow the wildcard rule instead");
      }
    }
    Integer left = exceptions.computeIfPresent(node, (n, a) -> a & ~access);
    if (left != null && left == 0) {
      exceptions.remove(node);
    }
  }

  boolean defaultAllow() {
    return defaultAllow;
  }

  /** The exceptions, each with the action opposite to the default, in a stable order. */
  List<DeviceRule> exceptions() {
    List<DeviceRule> out = new ArrayList<>();
    exceptions.forEach((n, a) -> out.add(new DeviceRule(n.type(), n.major(), n.minor(), a, !defaultAllow)));
    return out;
  }

  /**
   * The state as a self-contained rule list: the default first ({@code a} allow or deny), then the exceptions.
   * Applied in order to any cgroup (or as a DIFF update) it reproduces this state.
   */
  List<DeviceRule> rules() {
    List<DeviceRule> out = new ArrayList<>();
    out.add(defaultAllow ? DeviceRule.ALLOW_ALL : DeviceRule.DENY_ALL);
    out.addAll(exceptions());
    return out;
  }
}

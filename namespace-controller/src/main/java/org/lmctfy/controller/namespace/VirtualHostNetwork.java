package org.lmctfy.controller.namespace;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.Bridge;
import org.lmctfy.api.proto.Network;
import org.lmctfy.api.proto.VethPair;
import org.lmctfy.api.proto.VirtualIp;

/**
 * A virtual host's network ({@code VirtualHostSpec.network}): its own network namespace, set up by the init's
 * helper through rtnetlink before the init runs (lmctfy-exec's network options, native/src/main/c/network.h).
 * <ul>
 *   <li>always: {@code lo} up (an empty {@code network {}} is just that);
 *   <li>{@code connection.veth_pair}: a veth pair, the outside end in the host's namespace, up, the inside end
 *       created in the virtual host's namespace, up; with {@code connection.bridge} (ETH) the outside end is a
 *       port of that existing bridge;
 *   <li>{@code interface}: the host's link moved into the virtual host, up (it keeps its name);
 *   <li>{@code virtual_ip}: on the inside link (the veth's inside end or the moved link): {@code ip}/{@code
 *       netmask}, {@code mtu} (also on the veth's outside end), a default route via {@code gateway},
 *       {@code ip_forward} as net.ipv4.ip_forward of the virtual host's namespace.
 * </ul>
 * Destroy kills the init; the end of its network namespace deletes the veth pair (both ends; the kernel does it
 * shortly after, asynchronously) and a virtual link moved in (dummy, veth); a physical link moved in returns to
 * the initial network namespace (net/core/dev.c, default_device_exit_net). The same happens when a create fails
 * after the links were made: the init exits, so nothing of the network outlives a failed create.
 */
final class VirtualHostNetwork {
  /** IFNAMSIZ - 1 (include/uapi/linux/if.h). */
  static final int LINK_NAME_MAX = 15;
  /** IPv4's minimum (RFC 791) and the kernel's largest Ethernet MTU (ETH_MAX_MTU). */
  static final int MTU_MIN = 68;
  static final int MTU_MAX = 65535;

  private static final String FIELD = "virtual_host.network";

  private VirtualHostNetwork() {}

  /** Refuses what cannot be set up, naming the field, before anything is created. */
  static void validate(Network network) throws ContainerException {
    validate(network, HostLinks.system());
  }

  static void validate(Network network, HostLinks host) throws ContainerException {
    if (network.hasInterface() && network.hasConnection()) {
      throw ContainerException.invalidArgument(FIELD + ": interface and connection exclude each other (a link"
          + " moved in, or a veth pair)");
    }
    if (network.hasInterface()) {
      String name = network.getInterface();
      checkLinkName(FIELD + ".interface", name);
      if (name.equals("lo")) {
        throw ContainerException.invalidArgument(FIELD + ".interface: lo cannot leave its network namespace (the"
            + " virtual host has its own lo)");
      }
      if (!host.exists(name)) {
        throw ContainerException.notFound(FIELD + ".interface: the host has no link " + name + " ("
            + host.entry(name) + ")");
      }
    }
    if (network.hasConnection()) {
      validateConnection(network, host);
    }
    if (network.hasVirtualIp()) {
      if (!network.hasInterface() && !network.getConnection().hasVethPair()) {
        throw ContainerException.invalidArgument(FIELD + ".virtual_ip needs a link to put it on: interface or"
            + " connection.veth_pair");
      }
      validateVirtualIp(network.getVirtualIp());
    }
  }

  private static void validateConnection(Network network, HostLinks host) throws ContainerException {
    String field = FIELD + ".connection";
    if (!network.getConnection().hasVethPair()) {
      throw ContainerException.invalidArgument(field + " needs veth_pair { outside, inside }");
    }
    VethPair veth = network.getConnection().getVethPair();
    if (!veth.hasOutside() || !veth.hasInside()) {
      throw ContainerException.invalidArgument(field + ".veth_pair." + (veth.hasOutside() ? "inside" : "outside")
          + " is missing: a veth pair needs both names");
    }
    checkLinkName(field + ".veth_pair.outside", veth.getOutside());
    checkLinkName(field + ".veth_pair.inside", veth.getInside());
    if (host.exists(veth.getOutside())) {
      throw new ContainerException(StatusCode.ALREADY_EXISTS, field + ".veth_pair.outside: the host already has"
          + " a link " + veth.getOutside() + " (" + host.entry(veth.getOutside()) + "); choose another name");
    }
    if (veth.getInside().equals("lo")) {
      throw new ContainerException(StatusCode.ALREADY_EXISTS, field + ".veth_pair.inside: lo is the virtual"
          + " host's loopback; choose another name");
    }
    if (network.getConnection().hasBridge()) {
      Bridge bridge = network.getConnection().getBridge();
      if (bridge.getType() == Bridge.Type.OVS) {
        throw ContainerException.unimplemented(field + ".bridge.type OVS is not implemented: only ETH (a Linux"
            + " bridge)");
      }
      if (!bridge.hasName()) {
        throw ContainerException.invalidArgument(field + ".bridge.name is missing");
      }
      String name = bridge.getName();
      checkLinkName(field + ".bridge.name", name);
      if (!host.exists(name)) {
        throw ContainerException.notFound(field + ".bridge.name: the host has no link " + name + " ("
            + host.entry(name) + ")");
      }
      if (!host.isBridge(name)) {
        throw ContainerException.invalidArgument(field + ".bridge.name: the host's link " + name + " is not a"
            + " bridge (no " + host.entry(name).resolve("bridge") + ")");
      }
    }
  }

  private static void validateVirtualIp(VirtualIp ip) throws ContainerException {
    String field = FIELD + ".virtual_ip";
    if (ip.hasIp() != ip.hasNetmask()) {
      throw ContainerException.invalidArgument(field + (ip.hasIp() ? ".netmask is missing: ip needs it"
          : ".ip is missing: netmask needs it"));
    }
    if (ip.hasGateway() && !ip.hasIp()) {
      throw ContainerException.invalidArgument(field + ".gateway needs ip and netmask");
    }
    if (ip.hasIp()) {
      Ipv4 address = Ipv4.parse(field + ".ip", ip.getIp());
      int first = address.firstOctet();
      if (first == 0 || first == 127 || first >= 224) {
        throw ContainerException.invalidArgument(field + ".ip " + address + ": not a host address (0/8, loopback"
            + " 127/8, multicast and reserved 224/3 are not)");
      }
      int prefix = Ipv4.prefixOfNetmask(field + ".netmask", ip.getNetmask());
      if (ip.hasGateway()) {
        Ipv4 gateway = Ipv4.parse(field + ".gateway", ip.getGateway());
        if (!address.sameSubnet(gateway, prefix)) {
          throw ContainerException.invalidArgument(field + ".gateway " + gateway + " is not in " + address + "/"
              + prefix + ": the default route goes through the inside link, whose only subnet that is");
        }
        if (gateway.equals(address)) {
          throw ContainerException.invalidArgument(field + ".gateway " + gateway + " is the virtual host's own"
              + " address (virtual_ip.ip)");
        }
      }
    }
    if (ip.hasMtu() && (ip.getMtu() < MTU_MIN || ip.getMtu() > MTU_MAX)) {
      throw ContainerException.invalidArgument(field + ".mtu " + ip.getMtu() + " is out of range: " + MTU_MIN
          + " (IPv4's minimum) to " + MTU_MAX);
    }
  }

  /** A name the kernel takes for a link (net/core/dev.c, dev_valid_name): 1-15 bytes, no '/', ':', space. */
  static void checkLinkName(String field, String name) throws ContainerException {
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes == 0 || bytes > LINK_NAME_MAX) {
      throw ContainerException.invalidArgument(field + " \"" + name + "\" is " + bytes + " bytes long: a link"
          + " name has 1 to " + LINK_NAME_MAX);
    }
    if (name.equals(".") || name.equals("..")) {
      throw ContainerException.invalidArgument(field + " \"" + name + "\" is not a link name");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c == ':' || c == ' ' || (c >= '\t' && c <= '\r') || c == 0) {
        throw ContainerException.invalidArgument(field + " \"" + name + "\": a link name has no '/', ':', white"
            + " space or NUL");
      }
    }
  }

  /** The init's setup options for {@code network} (after validate). */
  static List<String> initArguments(Network network) throws ContainerException {
    List<String> out = new ArrayList<>();
    out.add("--net-loopback");
    if (network.hasInterface()) {
      out.addAll(List.of("--net-interface", network.getInterface()));
    }
    if (network.getConnection().hasVethPair()) {
      VethPair veth = network.getConnection().getVethPair();
      out.addAll(List.of("--net-veth", veth.getOutside(), veth.getInside()));
      if (network.getConnection().hasBridge()) {
        out.addAll(List.of("--net-bridge", network.getConnection().getBridge().getName()));
      }
    }
    if (network.hasVirtualIp()) {
      VirtualIp ip = network.getVirtualIp();
      String field = FIELD + ".virtual_ip";
      if (ip.hasIp()) {
        out.addAll(List.of("--net-address", Ipv4.parse(field + ".ip", ip.getIp()) + "/"
            + Ipv4.prefixOfNetmask(field + ".netmask", ip.getNetmask())));
      }
      if (ip.hasGateway()) {
        out.addAll(List.of("--net-gateway", Ipv4.parse(field + ".gateway", ip.getGateway()).toString()));
      }
      if (ip.hasMtu()) {
        out.addAll(List.of("--net-mtu", Integer.toString(ip.getMtu())));
      }
      if (ip.hasIpForward()) {
        out.addAll(List.of("--net-ip-forward", ip.getIpForward() ? "1" : "0"));
      }
    }
    return out;
  }
}

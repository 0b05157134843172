package org.lmctfy.controller.namespace;

import java.util.ArrayList;
import java.util.List;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.proto.Network;

/**
 * A virtual host's network ({@code VirtualHostSpec.network}): its own network namespace, set up by the init's
 * helper through rtnetlink (lmctfy-exec's network options, native/src/main/c/network.c). An empty network is
 * loopback only, brought up.
 */
final class VirtualHostNetwork {
  private VirtualHostNetwork() {}

  /** Refuses what cannot be set up, naming the field, before anything is created. */
  static void validate(Network network) throws ContainerException {
    if (network.hasInterface()) {
      throw ContainerException.unimplemented("virtual_host.network.interface is not implemented yet");
    }
    if (network.hasConnection()) {
      throw ContainerException.unimplemented("virtual_host.network.connection is not implemented yet");
    }
    if (network.hasVirtualIp()) {
      throw ContainerException.unimplemented("virtual_host.network.virtual_ip is not implemented yet");
    }
  }

  /** The init's setup options for {@code network} (after validate). */
  static List<String> initArguments(Network network) {
    List<String> out = new ArrayList<>();
    out.add("--net-loopback");
    return out;
  }
}

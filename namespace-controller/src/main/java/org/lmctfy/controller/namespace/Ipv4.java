package org.lmctfy.controller.namespace;

import org.lmctfy.api.ContainerException;

/**
 * An IPv4 address, parsed strictly from a dotted quad: exactly four decimal parts of 0 to 255, no sign, no
 * leading zero (as inet_pton(3) takes them). Never through {@code InetAddress.getByName}, which looks names up
 * in the DNS.
 */
record Ipv4(int bits) {
  /** Parses {@code text}; the error names {@code field}. IPv6 is UNIMPLEMENTED, anything else INVALID_ARGUMENT. */
  static Ipv4 parse(String field, String text) throws ContainerException {
    if (text.indexOf(':') >= 0) {
      throw ContainerException.unimplemented(field + " \"" + text + "\": IPv6 addresses are not implemented,"
          + " only IPv4 (a.b.c.d)");
    }
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      throw notIpv4(field, text);
    }
    int bits = 0;
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
        throw notIpv4(field, text);
      }
      int v = 0;
      for (int i = 0; i < p.length(); i++) {
        char c = p.charAt(i);
        if (c < '0' || c > '9') {
          throw notIpv4(field, text);
        }
        v = v * 10 + (c - '0');
      }
      if (v > 255) {
        throw notIpv4(field, text);
      }
      bits = bits << 8 | v;
    }
    return new Ipv4(bits);
  }

  /** The prefix length of a netmask such as 255.255.255.0 (24): its one bits must be contiguous, at least one. */
  static int prefixOfNetmask(String field, String text) throws ContainerException {
    if (text.indexOf(':') >= 0) {
      throw ContainerException.invalidArgument(field + " \"" + text + "\": not an IPv4 netmask such as 255.255.255.0");
    }
    int mask = parse(field, text).bits();
    int prefix = Integer.bitCount(mask);
    if (prefix == 0 || mask != -1 << (32 - prefix)) {
      throw ContainerException.invalidArgument(field + " " + text + ": not a netmask (its one bits must be"
          + " contiguous from the left, at least one), e.g. 255.255.255.0");
    }
    return prefix;
  }

  /** Whether {@code other} is in this address's subnet of {@code prefix} bits. */
  boolean sameSubnet(Ipv4 other, int prefix) {
    int mask = -1 << (32 - prefix);
    return (bits & mask) == (other.bits & mask);
  }

  /** The first part, for the ranges a host address may not be in (0/8, 127/8, 224/4 and above). */
  int firstOctet() {
    return bits >>> 24;
  }

  @Override
  public String toString() {
    return (bits >>> 24) + "." + (bits >>> 16 & 255) + "." + (bits >>> 8 & 255) + "." + (bits & 255);
  }

  private static ContainerException notIpv4(String field, String text) {
    return ContainerException.invalidArgument(field + " \"" + text + "\": not an IPv4 address a.b.c.d (four"
        + " decimal numbers 0-255, no leading zeros)");
  }
}

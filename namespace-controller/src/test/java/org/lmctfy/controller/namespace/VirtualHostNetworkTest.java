package org.lmctfy.controller.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;
import org.lmctfy.api.proto.Network;
import org.lmctfy.core.testing.Specs;

/** The network's validation and the init's options, against a fake /sys/class/net (no root). */
class VirtualHostNetworkTest {
  @TempDir Path sys;
  private HostLinks host;

  @BeforeEach
  void setUp() throws Exception {
    Files.createDirectories(sys.resolve("eth9"));
    Files.createDirectories(sys.resolve("br9/bridge"));
    Files.createDirectories(sys.resolve("lo"));
    host = new HostLinks(sys);
  }

  private static Network network(String text) throws Exception {
    return Specs.spec("virtual_host { network { " + text + " } }").getVirtualHost().getNetwork();
  }

  private void refused(String text, StatusCode code, String field) {
    assertThatThrownBy(() -> VirtualHostNetwork.validate(network(text), host))
        .isInstanceOfSatisfying(ContainerException.class, e -> {
          assertThat(e.code()).as(text).isEqualTo(code);
          assertThat(e.getMessage()).as(text).contains(field);
        });
  }

  private static final String VETH = "connection { veth_pair { outside: \"v9o\" inside: \"eth0\" } } ";

  @Test
  void optionsForEachPart() throws Exception {
    assertThat(VirtualHostNetwork.initArguments(network(""))).containsExactly("--net-loopback");
    Network full = network(VETH.replace("} }", "} bridge { name: \"br9\" } }")
        + "virtual_ip { ip: \"192.0.2.2\" netmask: \"255.255.255.0\" gateway: \"192.0.2.1\" mtu: 1400"
        + " ip_forward: true }");
    VirtualHostNetwork.validate(full, host);
    assertThat(VirtualHostNetwork.initArguments(full)).containsExactly("--net-loopback", "--net-veth", "v9o", "eth0",
        "--net-bridge", "br9", "--net-address", "192.0.2.2/24", "--net-gateway", "192.0.2.1", "--net-mtu", "1400",
        "--net-ip-forward", "1");
    Network moved = network("interface: \"eth9\" virtual_ip { ip: \"10.1.2.3\" netmask: \"255.255.0.0\" }");
    VirtualHostNetwork.validate(moved, host);
    assertThat(VirtualHostNetwork.initArguments(moved)).containsExactly("--net-loopback", "--net-interface", "eth9",
        "--net-address", "10.1.2.3/16");
  }

  @Test
  void linksAreCheckedAgainstTheHost() {
    refused("interface: \"nope9\"", StatusCode.NOT_FOUND, "virtual_host.network.interface");
    refused("interface: \"lo\"", StatusCode.INVALID_ARGUMENT, "virtual_host.network.interface");
    refused("interface: \"eth9\" " + VETH, StatusCode.INVALID_ARGUMENT, "interface and connection");
    refused("connection { veth_pair { outside: \"eth9\" inside: \"eth0\" } }", StatusCode.ALREADY_EXISTS,
        "veth_pair.outside");
    refused("connection { veth_pair { outside: \"v9o\" inside: \"lo\" } }", StatusCode.ALREADY_EXISTS,
        "veth_pair.inside");
    refused("connection { veth_pair { outside: \"v9o\" } }", StatusCode.INVALID_ARGUMENT, "veth_pair.inside");
    refused("connection { veth_pair { inside: \"v9i\" } }", StatusCode.INVALID_ARGUMENT, "veth_pair.outside");
    refused("connection { bridge { name: \"br9\" } }", StatusCode.INVALID_ARGUMENT, "connection needs veth_pair");
    refused(VETH.replace("} }", "} bridge { name: \"nobr9\" } }"), StatusCode.NOT_FOUND, "bridge.name");
    refused(VETH.replace("} }", "} bridge { name: \"eth9\" } }"), StatusCode.INVALID_ARGUMENT, "bridge.name");
    refused(VETH.replace("} }", "} bridge { } }"), StatusCode.INVALID_ARGUMENT, "bridge.name");
    refused(VETH.replace("} }", "} bridge { name: \"br9\" type: OVS } }"), StatusCode.UNIMPLEMENTED, "bridge.type");
    refused("virtual_ip { ip: \"192.0.2.2\" netmask: \"255.255.255.0\" }", StatusCode.INVALID_ARGUMENT,
        "virtual_ip needs a link");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "v9o456789abcdef0 | 16 bytes",
      "a/b              | '/'",
      "a:b              | ':'",
      "'a b'            | white space",
      "..               | not a link name",
      "''               | 0 bytes"})
  void linkNamesAreTheKernels(String name, String why) {
    refused("connection { veth_pair { outside: \"" + name + "\" inside: \"eth0\" } }", StatusCode.INVALID_ARGUMENT,
        "virtual_host.network.connection.veth_pair.outside");
    refused("connection { veth_pair { outside: \"" + name + "\" inside: \"eth0\" } }", StatusCode.INVALID_ARGUMENT,
        why);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "192.0.2.256  | 255.255.255.0 | 192.0.2.1 | 0  | INVALID_ARGUMENT | virtual_ip.ip",
      "192.0.2      | 255.255.255.0 | 192.0.2.1 | 0  | INVALID_ARGUMENT | virtual_ip.ip",
      "192.0.2.02   | 255.255.255.0 | 192.0.2.1 | 0  | INVALID_ARGUMENT | virtual_ip.ip",
      "+1.0.2.2     | 255.255.255.0 | 192.0.2.1 | 0  | INVALID_ARGUMENT | virtual_ip.ip",
      "example.com  | 255.255.255.0 | 192.0.2.1 | 0  | INVALID_ARGUMENT | virtual_ip.ip",
      "1.2.3.4.     | 255.255.255.0 | 192.0.2.1 | 0  | INVALID_ARGUMENT | virtual_ip.ip",
      "127.0.0.2    | 255.255.255.0 | 127.0.0.1 | 0  | INVALID_ARGUMENT | virtual_ip.ip",
      "224.0.0.1    | 255.255.255.0 | 224.0.0.2 | 0  | INVALID_ARGUMENT | virtual_ip.ip",
      "2001:db8::2  | 255.255.255.0 | 192.0.2.1 | 0  | UNIMPLEMENTED    | virtual_ip.ip",
      "192.0.2.2    | 255.0.255.0   | 192.0.2.1 | 0  | INVALID_ARGUMENT | virtual_ip.netmask",
      "192.0.2.2    | 0.0.0.0       | 192.0.2.1 | 0  | INVALID_ARGUMENT | virtual_ip.netmask",
      "192.0.2.2    | 24            | 192.0.2.1 | 0  | INVALID_ARGUMENT | virtual_ip.netmask",
      "192.0.2.2    | 255.255.255.0 | 198.51.100.1 | 0 | INVALID_ARGUMENT | virtual_ip.gateway",
      "192.0.2.2    | 255.255.255.0 | 192.0.2.2 | 0  | INVALID_ARGUMENT | virtual_ip.gateway",
      "192.0.2.2    | 255.255.255.0 | gw        | 0  | INVALID_ARGUMENT | virtual_ip.gateway",
      "192.0.2.2    | 255.255.255.0 | 2001:db8::1 | 0 | UNIMPLEMENTED   | virtual_ip.gateway",
      "192.0.2.2    | 255.255.255.0 | 192.0.2.1 | 67 | INVALID_ARGUMENT | virtual_ip.mtu",
      "192.0.2.2    | 255.255.255.0 | 192.0.2.1 | 65536 | INVALID_ARGUMENT | virtual_ip.mtu"})
  void addressesAreParsedStrictly(String ip, String mask, String gw, int mtu, StatusCode code, String field) {
    refused(VETH + "virtual_ip { ip: \"" + ip + "\" netmask: \"" + mask + "\" gateway: \"" + gw + "\""
        + (mtu != 0 ? " mtu: " + mtu : "") + " }", code, "virtual_host.network." + field);
  }

  @Test
  void partsOfVirtualIpNeedEachOther() {
    refused(VETH + "virtual_ip { ip: \"192.0.2.2\" }", StatusCode.INVALID_ARGUMENT, "virtual_ip.netmask");
    refused(VETH + "virtual_ip { netmask: \"255.255.255.0\" }", StatusCode.INVALID_ARGUMENT, "virtual_ip.ip");
    refused(VETH + "virtual_ip { gateway: \"192.0.2.1\" }", StatusCode.INVALID_ARGUMENT, "virtual_ip.gateway");
  }

  @Test
  void ipv4RoundTrips() throws Exception {
    assertThat(Ipv4.parse("f", "0.0.0.0").toString()).isEqualTo("0.0.0.0");
    assertThat(Ipv4.parse("f", "255.254.1.10").toString()).isEqualTo("255.254.1.10");
    assertThat(Ipv4.prefixOfNetmask("f", "255.255.255.255")).isEqualTo(32);
    assertThat(Ipv4.prefixOfNetmask("f", "128.0.0.0")).isEqualTo(1);
  }
}

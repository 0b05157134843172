package org.lmctfy.controller.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lmctfy.core.testing.Specs.spec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.lmctfy.api.Container;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.ListPolicy;
import org.lmctfy.api.StatusCode;
import org.lmctfy.core.testing.KernelFactories;
import org.lmctfy.core.testing.KernelRoot;
import org.lmctfy.spi.ResourceHandlerFactory;
import org.lmctfy.spi.cgroup.CgroupLayout;

/**
 * A virtual host's network on the real kernel (root only): links made by the init through rtnetlink, seen
 * with ip(8) from the host and, through nsenter, from inside. Every link this test makes or asks for is named
 * with a random prefix (lt + 6 hex) and deleted afterwards; traffic goes only to 192.0.2.0/24 (TEST-NET-1)
 * addresses set up here.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VirtualHostNetworkKernelTest {
  private KernelRoot k;
  private final String prefix = String.format("lt%06x", ThreadLocalRandom.current().nextInt(1 << 24));
  /** Links to delete afterwards if they still exist on the host. */
  private final List<String> links = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    KernelRoot.assumeKernel();
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/proc/self/ns/net")),
        "this kernel has no network namespaces");
    List<ResourceHandlerFactory> all = new ArrayList<>(KernelFactories.standard(CgroupLayout.detect()));
    all.add(new VirtualHostFactory());
    k = new KernelRoot(all.toArray(new ResourceHandlerFactory[0]));
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (k != null) {
        k.finish();
      }
    } finally {
      for (String link : links) {
        if (onHost(link)) {
          sh("ip", "link", "del", link);
        }
      }
    }
  }

  /** A link name of this test: the prefix and a suffix. */
  private String link(String suffix) {
    String name = prefix + suffix;
    links.add(name);
    return name;
  }

  private static boolean onHost(String link) {
    return Files.exists(Path.of("/sys/class/net", link), LinkOption.NOFOLLOW_LINKS);
  }

  /** Runs a command (bounded), returns its output; fails on a non-zero exit. */
  private static String sh(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("%s ended", List.of(command)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", List.of(command), out).isZero();
    return out;
  }

  /** A command in the virtual host's network namespace (nsenter from the host: net only). */
  private static String inside(long init, String... command) throws Exception {
    List<String> argv = new ArrayList<>(List.of("nsenter", "--net=/proc/" + init + "/ns/net", "--"));
    argv.addAll(List.of(command));
    return sh(argv.toArray(new String[0]));
  }

  /** Waits (bounded) until the host has no such link: the kernel deletes a dead namespace's links later. */
  private static void assertGoneFromHost(String link) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (onHost(link) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(onHost(link)).as("%s on the host", link).isFalse();
  }

  private static String[] ping() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, "ping"))) {
        return new String[] {Path.of(dir, "ping").toString()};
      }
    }
    return new String[] {"busybox", "ping"};
  }

  @Test
  void anEmptyNetworkIsLoopbackUp() throws Exception {
    Container vh = k.api.create("/vh", spec("virtual_host { network { } }"));
    long init = vh.initPid();
    assertThat(Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/net")))
        .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
    String[] linksInside = inside(init, "ip", "-o", "link").trim().split("\n");
    assertThat(linksInside).hasSize(1);
    assertThat(linksInside[0]).contains(": lo:").contains(",UP");
    assertThat(inside(init, "ip", "-o", "-4", "addr")).contains("inet 127.0.0.1/8");
  }

  @Test
  void aVethPairWithAddressMtuRouteCarriesTrafficAndGoesWithTheVirtualHost() throws Exception {
    String outside = link("o");
    String forwardOnHost = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).trim();
    Container vh = k.api.create("/vh", spec("virtual_host { network {"
        + " connection { veth_pair { outside: \"" + outside + "\" inside: \"eth0\" } }"
        + " virtual_ip { ip: \"192.0.2.2\" netmask: \"255.255.255.0\" gateway: \"192.0.2.1\" mtu: 1400"
        + " ip_forward: " + (forwardOnHost.equals("1") ? "false" : "true") + " } } }"));
    long init = vh.initPid();
    String eth0 = inside(init, "ip", "-o", "link", "show", "eth0");
    assertThat(eth0).contains("mtu 1400").contains(",UP");
    assertThat(inside(init, "ip", "-o", "-4", "addr", "show", "dev", "eth0")).contains("inet 192.0.2.2/24");
    assertThat(inside(init, "ip", "route", "show", "default")).contains("default via 192.0.2.1 dev eth0");
    assertThat(inside(init, "cat", "/proc/sys/net/ipv4/ip_forward").trim())
        .as("ip_forward inside").isEqualTo(forwardOnHost.equals("1") ? "0" : "1");
    assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).trim()).as("the host's")
        .isEqualTo(forwardOnHost);
    String host = sh("ip", "-o", "link", "show", outside);
    assertThat(host).contains("mtu 1400").contains(",UP");
    // Traffic: the host's end gets 192.0.2.1/24; the virtual host answers a ping on 192.0.2.2.
    sh("ip", "addr", "add", "192.0.2.1/24", "dev", outside);
    List<String> ping = new ArrayList<>(List.of(ping()));
    ping.addAll(List.of("-c1", "-W2", "192.0.2.2"));
    assertThat(sh(ping.toArray(new String[0]))).contains("1 packets received");
    k.api.destroy(vh);
    assertGoneFromHost(outside);
    assertThat(k.leftovers()).isEmpty();
  }

  @Test
  void aHostLinkMovedInKeepsItsNameAndGetsTheAddress() throws Exception {
    String moved = link("m");
    String peer = null;
    Process dummy = new ProcessBuilder("ip", "link", "add", moved, "type", "dummy").redirectErrorStream(true).start();
    dummy.getInputStream().readAllBytes();
    if (!dummy.waitFor(20, TimeUnit.SECONDS) || dummy.exitValue() != 0) {
      // No dummy driver in this kernel: one end of a veth pair made here serves as the host's link.
      peer = link("p");
      sh("ip", "link", "add", moved, "type", "veth", "peer", "name", peer);
    }
    Container vh = k.api.create("/vh", spec("virtual_host { network { interface: \"" + moved + "\""
        + " virtual_ip { ip: \"192.0.2.3\" netmask: \"255.255.255.0\" mtu: 1300 } } }"));
    long init = vh.initPid();
    assertThat(onHost(moved)).as("moved off the host").isFalse();
    assertThat(inside(init, "ip", "-o", "link", "show", moved)).contains("mtu 1300").contains(",UP");
    assertThat(inside(init, "ip", "-o", "-4", "addr", "show", "dev", moved)).contains("inet 192.0.2.3/24");
    k.api.destroy(vh);
    // A virtual link dies with the namespace (a veth with its peer); a physical one would come back.
    assertGoneFromHost(moved);
    if (peer != null) {
      assertGoneFromHost(peer);
    }
  }

  @Test
  void theOutsideEndJoinsTheBridge() throws Exception {
    String bridge = link("b");
    sh("ip", "link", "add", bridge, "type", "bridge");
    String outside = link("o");
    Container vh = k.api.create("/vh", spec("virtual_host { network { connection {"
        + " veth_pair { outside: \"" + outside + "\" inside: \"eth0\" } bridge { name: \"" + bridge + "\" } } } }"));
    assertThat(sh("ip", "-o", "link", "show", outside)).contains("master " + bridge);
    assertThat(Files.readSymbolicLink(Path.of("/sys/class/net", outside, "master")).getFileName().toString())
        .isEqualTo(bridge);
    k.api.destroy(vh);
    assertGoneFromHost(outside);
    assertThat(onHost(bridge)).as("the bridge stays").isTrue();
  }

  private void assertRefused(String network, StatusCode code, String field) throws Exception {
    assertThatThrownBy(() -> k.api.create("/bad", spec("virtual_host { network { " + network + " } }")))
        .as(network).isInstanceOfSatisfying(ContainerException.class, e -> {
          assertThat(e.code()).as(network + ": " + e.getMessage()).isEqualTo(code);
          assertThat(e.getMessage()).as(network).contains(field);
        });
  }

  private void assertNothingLeft() throws Exception {
    assertThat(k.api.get("/").listSubcontainers(ListPolicy.SELF)).isEmpty();
    assertThat(k.leftovers()).isEmpty();
    for (String l : links) {
      assertGoneFromHost(l);
    }
  }

  @Test
  void badInputIsRefusedBeforeAnythingIsCreated() throws Exception {
    String o = link("o");
    String veth = "connection { veth_pair { outside: \"" + o + "\" inside: \"eth0\" } } ";
    String ip = "virtual_ip { ip: \"192.0.2.2\" netmask: \"255.255.255.0\" } ";
    assertRefused("interface: \"" + link("x") + "\"", StatusCode.NOT_FOUND, "virtual_host.network.interface");
    assertRefused("virtual_ip { ip: \"192.0.2.300\" netmask: \"255.255.255.0\" } " + veth,
        StatusCode.INVALID_ARGUMENT, "virtual_host.network.virtual_ip.ip");
    assertRefused("virtual_ip { ip: \"localhost\" netmask: \"255.255.255.0\" } " + veth,
        StatusCode.INVALID_ARGUMENT, "virtual_host.network.virtual_ip.ip");
    assertRefused("virtual_ip { ip: \"2001:db8::2\" netmask: \"255.255.255.0\" } " + veth,
        StatusCode.UNIMPLEMENTED, "virtual_host.network.virtual_ip.ip");
    assertRefused("virtual_ip { ip: \"192.0.2.2\" netmask: \"255.255.0.255\" } " + veth,
        StatusCode.INVALID_ARGUMENT, "virtual_host.network.virtual_ip.netmask");
    assertRefused("interface: \"lo\" " + veth, StatusCode.INVALID_ARGUMENT, "interface and connection");
    assertRefused("connection { veth_pair { outside: \"" + o + "\" } }", StatusCode.INVALID_ARGUMENT,
        "virtual_host.network.connection.veth_pair.inside");
    assertRefused(veth.replace(o, o + "-0123456789"), StatusCode.INVALID_ARGUMENT,
        "virtual_host.network.connection.veth_pair.outside");
    for (String bad : List.of("a/b", "a:b", "a b")) {
      assertRefused(veth.replace("eth0", bad), StatusCode.INVALID_ARGUMENT,
          "virtual_host.network.connection.veth_pair.inside");
    }
    assertRefused(veth.replace(o, "lo"), StatusCode.ALREADY_EXISTS, "virtual_host.network.connection.veth_pair.outside");
    assertRefused(veth.replace("} }", "} bridge { name: \"" + link("n") + "\" } }"), StatusCode.NOT_FOUND,
        "virtual_host.network.connection.bridge.name");
    assertRefused(veth.replace("} }", "} bridge { name: \"lo\" } }"), StatusCode.INVALID_ARGUMENT,
        "virtual_host.network.connection.bridge.name");
    assertRefused(veth.replace("} }", "} bridge { name: \"lo\" type: OVS } }"), StatusCode.UNIMPLEMENTED,
        "virtual_host.network.connection.bridge.type");
    assertRefused(ip, StatusCode.INVALID_ARGUMENT, "virtual_host.network.virtual_ip");
    assertRefused(veth + "virtual_ip { mtu: 65536 }", StatusCode.INVALID_ARGUMENT,
        "virtual_host.network.virtual_ip.mtu");
    assertRefused(veth + "virtual_ip { mtu: 67 }", StatusCode.INVALID_ARGUMENT, "virtual_host.network.virtual_ip.mtu");
    assertNothingLeft();
  }

  @Test
  void aCreateTheKernelRefusesLeavesNoLinkNoNamespaceNoCgroup() throws Exception {
    String outside = link("o");
    // The veth pair is made, then the kernel refuses the default route: the subnet's broadcast address is
    // not a gateway ("Nexthop has invalid gateway"). The init exits; the namespace takes the pair with it.
    assertRefused("connection { veth_pair { outside: \"" + outside + "\" inside: \"eth0\" } }"
        + " virtual_ip { ip: \"192.0.2.2\" netmask: \"255.255.255.0\" gateway: \"192.0.2.255\" }",
        StatusCode.INVALID_ARGUMENT, "virtual_host.network.virtual_ip.gateway");
    assertNothingLeft();
    assertThatThrownBy(() -> k.api.get("/bad")).isInstanceOfSatisfying(ContainerException.class,
        e -> assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND));
  }

  @Test
  void aLinkMovedInByACreateTheKernelRefusesDoesNotSurviveIt() throws Exception {
    // One end of a veth pair made here is the host's link: moved in, then the route is refused; the init's
    // namespace ends and deletes the pair (a virtual link; a physical one would return to the host).
    String moved = link("m");
    String peer = link("p");
    sh("ip", "link", "add", moved, "type", "veth", "peer", "name", peer);
    assertRefused("interface: \"" + moved + "\""
        + " virtual_ip { ip: \"192.0.2.2\" netmask: \"255.255.255.0\" gateway: \"192.0.2.255\" }",
        StatusCode.INVALID_ARGUMENT, "virtual_host.network.virtual_ip.gateway");
    assertNothingLeft();
  }
}

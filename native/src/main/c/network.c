/*
 * A virtual host's network (network.h), through rtnetlink (rtnetlink.h). Two sockets: one opened before
 * the unshare, which stays in the host's network namespace (host side: the veth pair is created there,
 * a host link is moved from there), and one opened in PID 1, in the virtual host's namespace (inside:
 * loopback, address, MTU, route). The veth pair is created in one request with its inside end already in
 * the virtual host's namespace, and a host link is moved in before anything else can fail: from then
 * on, whatever fails, the init exits and its namespace goes with it, which deletes the veth pair (both
 * ends) and a virtual link moved in (a physical one returns to the initial namespace, where the kernel
 * puts devices of a dying namespace back). Nothing to undo on the host, then.
 */
#define _GNU_SOURCE
#include "network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"
#include "rtnetlink.h"

struct net_setup {
  int loopback;
  const char *veth_outside; /* with veth_inside: --net-veth */
  const char *veth_inside;
  const char *interface;    /* --net-interface */
  const char *bridge;       /* --net-bridge */
  const char *address_arg;  /* --net-address, as given (for messages) */
  struct in_addr address;
  int prefix;
  const char *gateway_arg;  /* --net-gateway */
  struct in_addr gateway;
  int mtu;                  /* --net-mtu; 0: the kernel's default */
  int ip_forward;           /* --net-ip-forward; -1: not asked */
  int host;                 /* NETLINK_ROUTE socket in the host's namespace, from net_before_unshare */
};

struct net_setup *net_setup_new(void) {
  struct net_setup *s = calloc(1, sizeof *s);
  if (s == NULL) {
    fail(ENOMEM, "network: out of memory");
  }
  s->ip_forward = -1;
  s->host = -1;
  return s;
}

/* A link name the kernel takes (dev_valid_name): 1 to 15 bytes, no '/', ':' or white space, not . or .. */
static const char *link_name(const char *option, const char *name) {
  size_t n = strlen(name);
  int bad = n == 0 || n >= IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
  for (const char *c = name; *c != 0 && !bad; c++) {
    bad = *c == '/' || *c == ':' || *c == ' ' || (*c >= '\t' && *c <= '\r');
  }
  if (bad) {
    fail(EINVAL, "arguments: %s \"%s\": not a link name (1 to %d bytes, no '/', ':' or white space)", option,
         name, IFNAMSIZ - 1);
  }
  return name;
}

/* A strict dotted quad (inet_pton: exactly four decimal parts, no leading zeros... as glibc takes them). */
static struct in_addr ipv4(const char *option, const char *text) {
  struct in_addr a;
  if (inet_pton(AF_INET, text, &a) != 1) {
    fail(EINVAL, "arguments: %s %s: not an IPv4 address a.b.c.d", option, text);
  }
  return a;
}

static long number(const char *option, const char *text, long min, long max) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != 0 || v < min || v > max) {
    fail(EINVAL, "arguments: %s %s: not a number from %ld to %ld", option, text, min, max);
  }
  return v;
}

int net_option(struct net_setup *s, int argc, char **argv, int i) {
  const char *o = argv[i];
  int values;
  if (strcmp(o, "--net-loopback") == 0) {
    values = 0;
  } else if (strcmp(o, "--net-veth") == 0) {
    values = 2;
  } else if (strcmp(o, "--net-interface") == 0 || strcmp(o, "--net-bridge") == 0
             || strcmp(o, "--net-address") == 0 || strcmp(o, "--net-gateway") == 0
             || strcmp(o, "--net-mtu") == 0 || strcmp(o, "--net-ip-forward") == 0) {
    values = 1;
  } else {
    return 0;
  }
  if (i + values >= argc) {
    fail(EINVAL, "arguments: %s needs %d value%s", o, values, values == 1 ? "" : "s");
  }
  const char *v = argv[i + 1];
  if (strcmp(o, "--net-loopback") == 0) {
    s->loopback = 1;
  } else if (strcmp(o, "--net-veth") == 0) {
    s->veth_outside = link_name(o, v);
    s->veth_inside = link_name(o, argv[i + 2]);
  } else if (strcmp(o, "--net-interface") == 0) {
    s->interface = link_name(o, v);
  } else if (strcmp(o, "--net-bridge") == 0) {
    s->bridge = link_name(o, v);
  } else if (strcmp(o, "--net-address") == 0) {
    const char *slash = strchr(v, '/');
    char ip[INET_ADDRSTRLEN];
    if (slash == NULL || (size_t)(slash - v) >= sizeof ip) {
      fail(EINVAL, "arguments: %s %s: not <a.b.c.d>/<prefix>", o, v);
    }
    memcpy(ip, v, (size_t)(slash - v));
    ip[slash - v] = 0;
    s->address = ipv4(o, ip);
    s->prefix = (int)number(o, slash + 1, 1, 32);
    s->address_arg = v;
  } else if (strcmp(o, "--net-gateway") == 0) {
    s->gateway = ipv4(o, v);
    s->gateway_arg = v;
  } else if (strcmp(o, "--net-mtu") == 0) {
    s->mtu = (int)number(o, v, 68, 65535); /* IPv4's minimum (RFC 791); the kernel's ETH_MAX_MTU */
  } else {
    s->ip_forward = (int)number(o, v, 0, 1);
  }
  return 1 + values;
}

int net_requested(const struct net_setup *s) {
  return s->loopback || s->veth_outside != NULL || s->interface != NULL || s->bridge != NULL
         || s->address_arg != NULL || s->gateway_arg != NULL || s->mtu != 0 || s->ip_forward >= 0;
}

void net_before_unshare(struct net_setup *s) {
  int link = s->veth_outside != NULL || s->interface != NULL;
  if (s->veth_outside != NULL && s->interface != NULL) {
    fail(EINVAL, "arguments: --net-veth and --net-interface exclude each other");
  }
  if (s->bridge != NULL && s->veth_outside == NULL) {
    fail(EINVAL, "arguments: --net-bridge needs --net-veth (the outside end is what joins the bridge)");
  }
  if ((s->address_arg != NULL || s->mtu != 0) && !link) {
    fail(EINVAL, "arguments: --net-address and --net-mtu need --net-veth or --net-interface");
  }
  if (s->gateway_arg != NULL && s->address_arg == NULL) {
    fail(EINVAL, "arguments: --net-gateway needs --net-address");
  }
  if (link) {
    s->host = rtnl_open();
    if (s->host < 0) {
      fail(errno, "network: rtnetlink socket in the host's namespace: %s", strerror(errno));
    }
  }
}

/* Fails with the kernel's errno, its own words (extended ack) and what was being done. */
__attribute__((format(printf, 3, 4))) static void check(int err, const char *why, const char *fmt, ...) {
  if (err >= 0) {
    return;
  }
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  fail(-err, "network: %s: %s%s%s%s", what, strerror(-err), why[0] ? " (" : "", why, why[0] ? ")" : "");
}

/* Sets a link of the socket's namespace up, with an MTU when mtu > 0. */
static void link_up(int fd, const char *name, int mtu) {
  char why[RTNL_WHY_MAX];
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
  struct rtnl_msg m;
  rtnl_init(&m, RTM_NEWLINK, 0, &ifi, sizeof ifi);
  rtnl_put_str(&m, IFLA_IFNAME, name); /* no NLM_F_CREATE: the existing link of that name */
  if (mtu > 0) {
    rtnl_put_u32(&m, IFLA_MTU, (uint32_t)mtu);
    check(rtnl_talk(fd, &m, why), why, "setting %s up with MTU %d (virtual_host.network.virtual_ip.mtu)", name,
          mtu);
  } else {
    check(rtnl_talk(fd, &m, why), why, "setting %s up", name);
  }
}

/* The virtual host's namespace as a descriptor: the namespace of a socket opened in it (SIOCGSKNS). */
static int own_namespace(int own) {
  int ns = ioctl(own, SIOCGSKNS);
  if (ns < 0) {
    fail(errno, "network: the virtual host's namespace (SIOCGSKNS): %s", strerror(errno));
  }
  return ns;
}

/*
 * One request, in the host's namespace: the veth pair, outside end there (MTU, enslaved to the bridge) and
 * inside end created directly in the virtual host's namespace (MTU): no moment where the inside end is on
 * the host, and a pair the namespace's end deletes whole (drivers/net/veth.c, veth_newlink). Both ends are
 * set up afterwards: asked in the same request, the first end opened finds no peer yet (ENOTCONN).
 */
static void create_veth(struct net_setup *s, int own_ns) {
  char why[RTNL_WHY_MAX];
  uint32_t master = 0;
  if (s->bridge != NULL) {
    int b = rtnl_link_index(s->host, s->bridge, why);
    check(b, why, "bridge %s (virtual_host.network.connection.bridge.name)", s->bridge);
    master = (uint32_t)b;
  }
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
  struct rtnl_msg m;
  rtnl_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
  rtnl_put_str(&m, IFLA_IFNAME, s->veth_outside);
  if (s->mtu > 0) {
    rtnl_put_u32(&m, IFLA_MTU, (uint32_t)s->mtu);
  }
  if (master != 0) {
    rtnl_put_u32(&m, IFLA_MASTER, master);
  }
  size_t info = rtnl_nest_begin(&m, IFLA_LINKINFO);
  rtnl_put_str(&m, IFLA_INFO_KIND, "veth");
  size_t data = rtnl_nest_begin(&m, IFLA_INFO_DATA);
  size_t peer = rtnl_nest_begin(&m, VETH_INFO_PEER);
  if (m.len + sizeof ifi > sizeof m.buf) {
    fail(E2BIG, "network: rtnetlink request too long");
  }
  memcpy(m.buf + m.len, &ifi, sizeof ifi); /* the peer's attribute starts with its own ifinfomsg */
  m.len += NLMSG_ALIGN(sizeof ifi);
  rtnl_put_str(&m, IFLA_IFNAME, s->veth_inside);
  rtnl_put_u32(&m, IFLA_NET_NS_FD, (uint32_t)own_ns);
  if (s->mtu > 0) {
    rtnl_put_u32(&m, IFLA_MTU, (uint32_t)s->mtu);
  }
  rtnl_nest_end(&m, peer);
  rtnl_nest_end(&m, data);
  rtnl_nest_end(&m, info);
  check(rtnl_talk(s->host, &m, why), why,
        "creating veth pair %s (host) / %s (virtual host) (virtual_host.network.connection.veth_pair)",
        s->veth_outside, s->veth_inside);
  link_up(s->host, s->veth_outside, 0);
}

/* Moves the host's link into the virtual host's namespace; it keeps its name. */
static void move_interface(struct net_setup *s, int own_ns) {
  char why[RTNL_WHY_MAX];
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
  struct rtnl_msg m;
  rtnl_init(&m, RTM_NEWLINK, 0, &ifi, sizeof ifi);
  rtnl_put_str(&m, IFLA_IFNAME, s->interface);
  rtnl_put_u32(&m, IFLA_NET_NS_FD, (uint32_t)own_ns);
  check(rtnl_talk(s->host, &m, why), why, "moving host link %s into the virtual host (virtual_host.network.interface)",
        s->interface);
}

static void add_address(int own, const char *link, const struct net_setup *s) {
  char why[RTNL_WHY_MAX];
  int index = rtnl_link_index(own, link, why);
  check(index, why, "link %s in the virtual host", link);
  struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_prefixlen = (unsigned char)s->prefix,
                          .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = (uint32_t)index};
  struct rtnl_msg m;
  rtnl_init(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
  rtnl_put(&m, IFA_LOCAL, &s->address, sizeof s->address);
  rtnl_put(&m, IFA_ADDRESS, &s->address, sizeof s->address);
  if (s->prefix < 31) { /* the subnet's broadcast address, as `ip address add ... brd +` (RFC 3021: none) */
    uint32_t mask = htonl(~0U << (32 - s->prefix));
    struct in_addr brd = {.s_addr = s->address.s_addr | ~mask};
    rtnl_put(&m, IFA_BROADCAST, &brd, sizeof brd);
  }
  check(rtnl_talk(own, &m, why), why, "address %s on %s (virtual_host.network.virtual_ip.ip, .netmask)",
        s->address_arg, link);
}

static void add_default_route(int own, const char *link, const struct net_setup *s) {
  char why[RTNL_WHY_MAX];
  int index = rtnl_link_index(own, link, why);
  check(index, why, "link %s in the virtual host", link);
  struct rtmsg rt = {.rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT,
                     .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST};
  struct rtnl_msg m;
  rtnl_init(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof rt);
  rtnl_put(&m, RTA_GATEWAY, &s->gateway, sizeof s->gateway);
  rtnl_put_u32(&m, RTA_OIF, (uint32_t)index);
  check(rtnl_talk(own, &m, why), why, "default route via %s on %s (virtual_host.network.virtual_ip.gateway)",
        s->gateway_arg, link);
}

/* net.ipv4.ip_forward of this namespace: a net sysctl file acts on the opener's network namespace. */
static void set_ip_forward(int on) {
  int fd = open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, on ? "1\n" : "0\n", 2) != 2) {
    fail(errno, "network: /proc/sys/net/ipv4/ip_forward (virtual_host.network.virtual_ip.ip_forward): %s",
         strerror(errno));
  }
  close(fd);
}

void net_configure(struct net_setup *s) {
  if (!net_requested(s)) {
    return;
  }
  int own = rtnl_open();
  if (own < 0) {
    fail(errno, "network: rtnetlink socket in the virtual host's namespace: %s", strerror(errno));
  }
  const char *inside = NULL;
  if (s->veth_outside != NULL || s->interface != NULL) {
    int own_ns = own_namespace(own);
    if (s->veth_outside != NULL) {
      create_veth(s, own_ns);
      inside = s->veth_inside;
      link_up(own, inside, 0); /* its MTU came with the pair */
    } else {
      move_interface(s, own_ns);
      inside = s->interface;
      link_up(own, inside, s->mtu);
    }
    close(own_ns);
    close(s->host); /* nothing more to do on the host */
    s->host = -1;
  }
  if (s->loopback) {
    link_up(own, "lo", 0);
  }
  if (s->address_arg != NULL) {
    add_address(own, inside, s);
  }
  if (s->gateway_arg != NULL) {
    add_default_route(own, inside, s);
  }
  if (s->ip_forward >= 0) {
    set_ip_forward(s->ip_forward);
  }
  close(own);
}

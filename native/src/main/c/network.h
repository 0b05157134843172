/*
 * A virtual host's network (lmctfy's VirtualHostSpec.network), set up by lmctfy-exec --init through
 * rtnetlink: loopback up, veth pairs, a host link moved in, addresses, MTU, default route, bridge.
 * Options come after "--init --" (see lmctfy-exec.c); every function reports a failure through fail().
 *
 * Options (they need --unshare net; a repeated option replaces the earlier):
 *   --net-loopback               lo up
 *   --net-veth <outside> <inside>  a veth pair: <outside> in the host's namespace, up; <inside> created in
 *                                the virtual host's namespace, up
 *   --net-interface <name>       the host's link <name> moved into the virtual host (keeps its name), up
 *   --net-bridge <name>          the veth's outside end enslaved to the host's bridge <name> (needs --net-veth)
 *   --net-address <a.b.c.d>/<n>  that IPv4 address, prefix length n (1-32), on the inside link (the veth's
 *                                inside end or the moved link), with the subnet's broadcast address
 *   --net-gateway <a.b.c.d>      default route via it on the inside link (needs --net-address)
 *   --net-mtu <n>                MTU (68-65535) of the inside link and of the veth's outside end
 *   --net-ip-forward <0|1>       net.ipv4.ip_forward of the virtual host's namespace
 * Link names are 1 to 15 bytes without '/', ':' or white space. A failure at any step ends the init, and
 * with it the namespace: the kernel then deletes the veth pair (both ends) and a virtual link moved in.
 */
#ifndef LMCTFY_NETWORK_H
#define LMCTFY_NETWORK_H

struct net_setup;

/* A zeroed setup (nothing asked). */
struct net_setup *net_setup_new(void);

/* If argv[i] is a network option, consumes it and its values and returns how many arguments it took;
 * 0 when argv[i] is not one. */
int net_option(struct net_setup *s, int argc, char **argv, int i);

/* Whether any network option was given. */
int net_requested(const struct net_setup *s);

/* Called in the helper before it creates the new namespaces (still in the caller's network namespace):
 * opens what the host side needs (e.g. a netlink socket in the host's namespace). */
void net_before_unshare(struct net_setup *s);

/* Called in PID 1 of the new pid namespace, already in the new network namespace, before anything else of
 * the virtual host runs: does the whole setup, host side included; releases what net_before_unshare
 * opened. */
void net_configure(struct net_setup *s);

#endif

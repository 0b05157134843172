/*
 * A virtual host's network (lmctfy's VirtualHostSpec.network), set up by lmctfy-exec --init through
 * rtnetlink: loopback up, veth pairs, a host link moved in, addresses, MTU, default route, bridge.
 * Options come after "--init --" (see lmctfy-exec.c); every function reports a failure through fail().
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

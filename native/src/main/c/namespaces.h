/*
 * lmctfy-exec's namespaces: --ns <type>=<path> (join with setns(2)), --unshare <list> (create with
 * unshare(2)), --hostname, --mount-proc. Every function reports a failure through fail() (report.h).
 */
#ifndef LMCTFY_NAMESPACES_H
#define LMCTFY_NAMESPACES_H

/* user, cgroup, ipc, uts, net, pid, time, mnt: the order in which they are joined. */
#define NS_TYPES 8

struct ns_request {
  const char *join[NS_TYPES]; /* a namespace file per type, in join order; NULL: not joined */
  int unshare_flags;          /* CLONE_NEW* */
  const char *hostname;       /* NULL: unchanged */
  int mount_proc;
};

void ns_request_init(struct ns_request *r);

/* One --ns argument, "<type>=<path>". */
void ns_add_join(struct ns_request *r, const char *arg);

/* One --unshare argument, a comma list of types. */
void ns_add_unshare(struct ns_request *r, const char *arg);

/* The combination is sound (before anything changes). */
void ns_check(const struct ns_request *r);

/* Opens every namespace file and checks its type, then setns()es them in the kernel's order. */
void ns_join(const struct ns_request *r);

/* unshare(); a new mount namespace becomes a recursive slave of the old; a new UTS namespace gets the
 * host name. */
void ns_unshare(const struct ns_request *r);

/* The joined pid namespace's file, or NULL. */
const char *ns_joins_pid(const struct ns_request *r);

int ns_unshares_pid(const struct ns_request *r);

/* With --mount-proc, mounts proc on /proc: call in PID 1 of the new pid namespace. */
void ns_mount_proc(const struct ns_request *r);

#endif

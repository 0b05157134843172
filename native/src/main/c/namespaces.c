#define _GNU_SOURCE
#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "report.h"

/*
 * The order of joining, as nsenter(1) and runc's nsexec: user first (it grants the capabilities the other
 * setns calls need in the target's user namespace), mnt last (a new mount namespace changes how the other
 * paths would resolve; they are all opened before any setns in any case).
 */
static const struct {
  const char *name;
  int flag;
  int can_unshare;
} types[NS_TYPES] = {
    {"user", CLONE_NEWUSER, 0}, {"cgroup", CLONE_NEWCGROUP, 1}, {"ipc", CLONE_NEWIPC, 1},
    {"uts", CLONE_NEWUTS, 1},   {"net", CLONE_NEWNET, 1},       {"pid", CLONE_NEWPID, 1},
    {"time", CLONE_NEWTIME, 0}, {"mnt", CLONE_NEWNS, 1},
};

static int type_of(const char *name, size_t len) {
  for (int t = 0; t < NS_TYPES; t++) {
    if (strlen(types[t].name) == len && strncmp(types[t].name, name, len) == 0) {
      return t;
    }
  }
  return -1;
}

static const char *name_of_flag(int flag) {
  for (int t = 0; t < NS_TYPES; t++) {
    if (types[t].flag == flag) {
      return types[t].name;
    }
  }
  return "unknown";
}

void ns_request_init(struct ns_request *r) {
  memset(r, 0, sizeof *r);
}

void ns_add_join(struct ns_request *r, const char *arg) {
  const char *eq = strchr(arg, '=');
  int t = eq == NULL ? -1 : type_of(arg, (size_t)(eq - arg));
  if (t < 0) {
    fail(EINVAL, "arguments: --ns %s: expected <type>=<path>, type one of user, cgroup, ipc, uts, net, pid,"
         " time, mnt", arg);
  }
  if (eq[1] == '\0') {
    fail(EINVAL, "arguments: --ns %s: no namespace file", arg);
  }
  if (r->join[t] != NULL) {
    fail(EINVAL, "arguments: --ns %s: the %s namespace is already joined from %s", arg, types[t].name,
         r->join[t]);
  }
  r->join[t] = eq + 1;
}

void ns_add_unshare(struct ns_request *r, const char *arg) {
  const char *p = arg;
  for (;;) {
    size_t len = strcspn(p, ",");
    int t = type_of(p, len);
    if (t < 0 || !types[t].can_unshare) {
      fail(EINVAL, "arguments: --unshare %s: \"%.*s\" is not one of ipc, uts, mnt, pid, net, cgroup", arg,
           (int)len, p);
    }
    r->unshare_flags |= types[t].flag;
    if (p[len] == '\0') {
      return;
    }
    p += len + 1;
  }
}

void ns_check(const struct ns_request *r) {
  for (int t = 0; t < NS_TYPES; t++) {
    if (r->join[t] != NULL && (r->unshare_flags & types[t].flag)) {
      fail(EINVAL, "arguments: the %s namespace cannot be both joined (--ns) and new (--unshare)",
           types[t].name);
    }
  }
  if (r->hostname != NULL) {
    if (!(r->unshare_flags & CLONE_NEWUTS)) {
      fail(EINVAL, "arguments: --hostname %s needs a new UTS namespace (--unshare uts)", r->hostname);
    }
    size_t len = strlen(r->hostname);
    if (len == 0 || len > HOST_NAME_MAX) { /* the kernel's __NEW_UTS_LEN */
      fail(EINVAL, "hostname \"%s\": %zu bytes, not 1 to %d", r->hostname, len, HOST_NAME_MAX);
    }
  }
  if (r->mount_proc && (r->unshare_flags & (CLONE_NEWNS | CLONE_NEWPID)) != (CLONE_NEWNS | CLONE_NEWPID)) {
    fail(EINVAL, "arguments: --mount-proc needs new mount and pid namespaces (--unshare mnt,pid)");
  }
}

void ns_join(const struct ns_request *r) {
  int fds[NS_TYPES];
  for (int t = 0; t < NS_TYPES; t++) {
    fds[t] = -1;
    if (r->join[t] == NULL) {
      continue;
    }
    fds[t] = open(r->join[t], O_RDONLY | O_CLOEXEC);
    if (fds[t] < 0) {
      fail(errno, "namespace %s %s: %s", types[t].name, r->join[t], strerror(errno));
    }
    int actual = ioctl(fds[t], NS_GET_NSTYPE); /* Linux 4.11 */
    if (actual < 0) {
      fail(EINVAL, "namespace %s %s: not a namespace file (%s)", types[t].name, r->join[t], strerror(errno));
    }
    if (actual != types[t].flag) {
      fail(EINVAL, "namespace %s %s: a %s namespace, not a %s one", types[t].name, r->join[t],
           name_of_flag(actual), types[t].name);
    }
  }
  /*
   * setns(CLONE_NEWNS) puts the caller at the root of the mount namespace, which is not the root of a target
   * that runs chrooted (or pivoted) inside it: like nsenter --root, take the target's root when the
   * namespace is named as a process's (/proc/<pid>/ns/mnt), opened before any setns.
   */
  int root_fd = -1;
  for (int t = 0; t < NS_TYPES; t++) {
    unsigned pid;
    char tail[8];
    if (fds[t] >= 0 && types[t].flag == CLONE_NEWNS
        && sscanf(r->join[t], "/proc/%u/ns/%7s", &pid, tail) == 2 && strcmp(tail, "mnt") == 0) {
      char root[64];
      snprintf(root, sizeof root, "/proc/%u/root", pid);
      root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (root_fd < 0) {
        fail(errno, "namespace root %s: %s", root, strerror(errno));
      }
    }
  }
  for (int t = 0; t < NS_TYPES; t++) {
    if (fds[t] < 0) {
      continue;
    }
    if (setns(fds[t], types[t].flag) < 0) {
      fail(errno, "setns %s %s: %s", types[t].name, r->join[t], strerror(errno));
    }
    close(fds[t]);
  }
  if (root_fd >= 0) {
    if (fchdir(root_fd) < 0 || chroot(".") < 0) {
      fail(errno, "the mount namespace's root (the target's /): %s", strerror(errno));
    }
    close(root_fd);
  }
}

void ns_unshare(const struct ns_request *r) {
  if (r->unshare_flags == 0) {
    return;
  }
  char names[64] = "";
  for (int t = 0; t < NS_TYPES; t++) {
    if (r->unshare_flags & types[t].flag) {
      strcat(names, names[0] == '\0' ? "" : ",");
      strcat(names, types[t].name);
    }
  }
  if (unshare(r->unshare_flags) < 0) {
    fail(errno, "unshare %s: %s", names, strerror(errno));
  }
  /*
   * A recursive slave of the host's tree (runc's default rootfs propagation, not unshare(1)'s private):
   * mounts made inside never propagate out, and unmounts on the host still propagate in, so the virtual
   * host, which shares the host's root, never keeps a host file system busy after the host let it go. The
   * host's later mounts do appear inside; the virtual host sees the host's files anyway.
   * Documentation/filesystems/sharedsubtree.rst, "slave mount".
   */
  if ((r->unshare_flags & CLONE_NEWNS) && mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
    fail(errno, "making the new mount namespace a slave of the host's (mount / MS_REC|MS_SLAVE): %s",
         strerror(errno));
  }
  if (r->hostname != NULL && sethostname(r->hostname, strlen(r->hostname)) < 0) {
    fail(errno, "sethostname %s: %s", r->hostname, strerror(errno));
  }
}

const char *ns_joins_pid(const struct ns_request *r) {
  return r->join[type_of("pid", 3)];
}

int ns_unshares_pid(const struct ns_request *r) {
  return (r->unshare_flags & CLONE_NEWPID) != 0;
}

void ns_mount_proc(const struct ns_request *r) {
  if (r->mount_proc && mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
    fail(errno, "mount proc on /proc: %s", strerror(errno));
  }
}

/* Placeholder until the network part lands: only --net-loopback. */
#define _GNU_SOURCE
#include "network.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

struct net_setup {
  int loopback;
};

struct net_setup *net_setup_new(void) {
  struct net_setup *s = calloc(1, sizeof *s);
  if (s == NULL) {
    fail(ENOMEM, "network: out of memory");
  }
  return s;
}

int net_option(struct net_setup *s, int argc, char **argv, int i) {
  (void)argc;
  if (strcmp(argv[i], "--net-loopback") == 0) {
    s->loopback = 1;
    return 1;
  }
  return 0;
}

int net_requested(const struct net_setup *s) {
  return s->loopback;
}

void net_before_unshare(struct net_setup *s) {
  (void)s;
}

void net_configure(struct net_setup *s) {
  if (!s->loopback) {
    return;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    fail(errno, "network: socket: %s", strerror(errno));
  }
  struct ifreq r;
  memset(&r, 0, sizeof r);
  strcpy(r.ifr_name, "lo");
  if (ioctl(fd, SIOCGIFFLAGS, &r) < 0 || (r.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &r) < 0)) {
    fail(errno, "network: bringing lo up: %s", strerror(errno));
  }
  close(fd);
}

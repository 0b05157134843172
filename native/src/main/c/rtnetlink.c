/* rtnetlink requests by hand (rtnetlink.h): netlink(7), rtnetlink(7); the kernel's extended acks:
 * Documentation/userspace-api/netlink/intro.rst, "Extended ACK". */
#define _GNU_SOURCE
#include "rtnetlink.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

static uint32_t next_seq = 1;

void rtnl_init(struct rtnl_msg *m, uint16_t type, uint16_t flags, const void *hdr, size_t hdr_len) {
  memset(m->buf, 0, sizeof m->buf);
  struct nlmsghdr *h = (struct nlmsghdr *)m->buf;
  h->nlmsg_type = type;
  h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
  h->nlmsg_seq = next_seq++;
  memcpy(m->buf + NLMSG_HDRLEN, hdr, hdr_len);
  m->len = NLMSG_HDRLEN + NLMSG_ALIGN(hdr_len);
}

void rtnl_put(struct rtnl_msg *m, uint16_t type, const void *data, size_t len) {
  size_t total = RTA_SPACE(len);
  if (m->len + total > sizeof m->buf) {
    fail(E2BIG, "network: rtnetlink request longer than %zu bytes", sizeof m->buf);
  }
  struct rtattr *a = (struct rtattr *)(m->buf + m->len);
  a->rta_type = type;
  a->rta_len = (unsigned short)RTA_LENGTH(len);
  if (len > 0) {
    memcpy(RTA_DATA(a), data, len);
  }
  m->len += total;
}

void rtnl_put_u32(struct rtnl_msg *m, uint16_t type, uint32_t value) {
  rtnl_put(m, type, &value, sizeof value);
}

void rtnl_put_str(struct rtnl_msg *m, uint16_t type, const char *value) {
  rtnl_put(m, type, value, strlen(value) + 1);
}

size_t rtnl_nest_begin(struct rtnl_msg *m, uint16_t type) {
  size_t at = m->len;
  rtnl_put(m, type, NULL, 0);
  return at;
}

void rtnl_nest_end(struct rtnl_msg *m, size_t nest) {
  ((struct rtattr *)(m->buf + nest))->rta_len = (unsigned short)(m->len - nest);
}

int rtnl_open(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    return -1;
  }
  int one = 1;
  /* Best effort: older kernels answer without the message, which only makes errors less precise. */
  (void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  return fd;
}

/* The extended ack's NLMSGERR_ATTR_MSG, if any, into why. */
static void ack_message(const struct nlmsghdr *h, char why[RTNL_WHY_MAX]) {
  why[0] = 0;
  if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) {
    return;
  }
  const struct nlmsgerr *e = NLMSG_DATA(h);
  size_t at = NLMSG_HDRLEN + sizeof *e;
  if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
    at += e->msg.nlmsg_len - NLMSG_HDRLEN; /* the request's payload is echoed before the TLVs */
  }
  while (at + sizeof(struct nlattr) <= h->nlmsg_len) {
    const struct nlattr *a = (const struct nlattr *)((const char *)h + at);
    if (a->nla_len < sizeof *a || at + a->nla_len > h->nlmsg_len) {
      return;
    }
    if (a->nla_type == NLMSGERR_ATTR_MSG) {
      size_t n = a->nla_len - sizeof *a;
      if (n >= RTNL_WHY_MAX) {
        n = RTNL_WHY_MAX - 1;
      }
      memcpy(why, (const char *)a + sizeof *a, n);
      why[n] = 0;
      return;
    }
    at += NLA_ALIGN(a->nla_len);
  }
}

/* Sends m and reads until its ack; a link in the answer (RTM_GETLINK) gives its index. */
static int talk(int fd, struct rtnl_msg *m, char why[RTNL_WHY_MAX], int *ifindex) {
  why[0] = 0;
  struct nlmsghdr *req = (struct nlmsghdr *)m->buf;
  req->nlmsg_len = (uint32_t)m->len;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  ssize_t sent;
  do {
    sent = sendto(fd, m->buf, m->len, 0, (struct sockaddr *)&kernel, sizeof kernel);
  } while (sent < 0 && errno == EINTR);
  if (sent != (ssize_t)m->len) {
    return sent < 0 ? -errno : -EIO;
  }
  union {
    char buf[32768];
    uint64_t align_;
  } in;
  for (;;) {
    ssize_t n = recv(fd, in.buf, sizeof in.buf, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return -errno;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)in.buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_seq != req->nlmsg_seq) {
        continue; /* not ours (nothing else is sent on these sockets, but be strict) */
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(h);
        if (e->error != 0) {
          ack_message(h, why);
        }
        return e->error; /* 0 or -errno */
      }
      if (h->nlmsg_type == RTM_NEWLINK && ifindex != NULL) {
        *ifindex = ((const struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
      }
    }
  }
}

int rtnl_talk(int fd, struct rtnl_msg *m, char why[RTNL_WHY_MAX]) {
  return talk(fd, m, why, NULL);
}

int rtnl_link_index(int fd, const char *name, char why[RTNL_WHY_MAX]) {
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
  struct rtnl_msg m;
  rtnl_init(&m, RTM_GETLINK, 0, &ifi, sizeof ifi);
  rtnl_put_str(&m, IFLA_IFNAME, name);
  int index = 0;
  int err = talk(fd, &m, why, &index);
  if (err < 0) {
    return err;
  }
  return index > 0 ? index : -ENODEV;
}

/*
 * rtnetlink (rtnetlink(7)) without a library: a request built by hand in a fixed buffer, sent on a
 * NETLINK_ROUTE socket, and its acknowledgement read back with the kernel's extended error message
 * ("Nexthop has invalid gateway"). A socket stays in the network namespace it was created in, whatever
 * namespace its user moves to afterwards: that is how the virtual host's init reaches the host's links.
 */
#ifndef LMCTFY_RTNETLINK_H
#define LMCTFY_RTNETLINK_H

#include <stddef.h>
#include <stdint.h>

#define RTNL_MSG_MAX 4096
#define RTNL_WHY_MAX 256

/* One request: a netlink header, a family header (ifinfomsg, ifaddrmsg, rtmsg), attributes. */
struct rtnl_msg {
  union {
    char buf[RTNL_MSG_MAX];
    uint64_t align_;
  };
  size_t len;
};

/* Starts a request of `type` (RTM_NEWLINK, ...) with `flags` besides NLM_F_REQUEST | NLM_F_ACK, followed by
 * the family header `hdr`. */
void rtnl_init(struct rtnl_msg *m, uint16_t type, uint16_t flags, const void *hdr, size_t hdr_len);

/* Appends an attribute; the request ends the process (fail) if it would outgrow the buffer. */
void rtnl_put(struct rtnl_msg *m, uint16_t type, const void *data, size_t len);
void rtnl_put_u32(struct rtnl_msg *m, uint16_t type, uint32_t value);
void rtnl_put_str(struct rtnl_msg *m, uint16_t type, const char *value);

/* A nested attribute: its offset, for rtnl_nest_end once its content is appended. */
size_t rtnl_nest_begin(struct rtnl_msg *m, uint16_t type);
void rtnl_nest_end(struct rtnl_msg *m, size_t nest);

/* A NETLINK_ROUTE socket of the current network namespace, close-on-exec; -1 with errno. */
int rtnl_open(void);

/* Sends the request and reads its answer: 0, or -errno with the kernel's message (or "") in why. */
int rtnl_talk(int fd, struct rtnl_msg *m, char why[RTNL_WHY_MAX]);

/* The index of the link `name` in the socket's namespace; -errno (-ENODEV: none) with why. */
int rtnl_link_index(int fd, const char *name, char why[RTNL_WHY_MAX]);

#endif

/* lmctfyd's framing and protobuf fields (wire.h). */
#define _GNU_SOURCE
#include "wire.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static void reserve(struct wbuf *b, size_t more) {
  if (b->len + more <= b->cap) {
    return;
  }
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more) {
    cap *= 2;
  }
  uint8_t *p = b->fixed ? malloc(cap) : realloc(b->p, cap);
  if (p == NULL) {
    abort(); /* a command line of a few KiB: out of memory is not worth a path of its own */
  }
  if (b->fixed) {
    if (b->len) {
      memcpy(p, b->p, b->len);
    }
    b->fixed = 0;
  }
  b->p = p;
  b->cap = cap;
}

void wbuf_varint(struct wbuf *b, uint64_t v) {
  reserve(b, 10);
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    b->p[b->len++] = byte | (v ? 0x80 : 0);
  } while (v);
}

void wbuf_uint(struct wbuf *b, uint32_t field, uint64_t v) {
  wbuf_varint(b, (uint64_t)field << 3);
  wbuf_varint(b, v);
}

void wbuf_append(struct wbuf *b, const void *data, size_t len) {
  reserve(b, len);
  if (len) {
    memcpy(b->p + b->len, data, len);
  }
  b->len += len;
}

void wbuf_bytes(struct wbuf *b, uint32_t field, const void *data, size_t len) {
  wbuf_varint(b, ((uint64_t)field << 3) | 2);
  wbuf_varint(b, len);
  wbuf_append(b, data, len);
}

void wbuf_free(struct wbuf *b) {
  if (!b->fixed) {
    free(b->p);
    b->p = NULL;
    b->cap = 0;
  }
  b->len = 0;
}

static int read_varint(struct rbuf *b, uint64_t *v) {
  uint64_t out = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (b->p >= b->end) {
      return -1;
    }
    uint8_t byte = *b->p++;
    out |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *v = out;
      return 0;
    }
  }
  return -1;
}

int rbuf_next(struct rbuf *b, uint32_t *field, int *wire, uint64_t *v, const uint8_t **data, size_t *len) {
  uint64_t key;
  if (b->p >= b->end) {
    return 0;
  }
  if (read_varint(b, &key) < 0 || (key >> 3) == 0 || (key >> 3) > UINT32_MAX) {
    return -1;
  }
  *field = (uint32_t)(key >> 3);
  *wire = (int)(key & 7);
  switch (*wire) {
  case 0:
    return read_varint(b, v) < 0 ? -1 : 1;
  case 1:
    if (b->end - b->p < 8) {
      return -1;
    }
    b->p += 8;
    return 1;
  case 5:
    if (b->end - b->p < 4) {
      return -1;
    }
    b->p += 4;
    return 1;
  case 2: {
    uint64_t n;
    if (read_varint(b, &n) < 0 || n > (uint64_t)(b->end - b->p)) {
      return -1;
    }
    *data = b->p;
    *len = (size_t)n;
    b->p += n;
    return 1;
  }
  default:
    return -1;
  }
}

int wire_send(int fd, const struct wbuf *msg) {
  uint8_t space[10];
  struct wbuf h = WBUF_ON(space);
  wbuf_varint(&h, msg->len);
  uint8_t *head = h.p;
  size_t hl = h.len;
  /* The length and the message in one send (one wake-up of the daemon), without copying them together. */
  size_t off = 0, total = hl + msg->len;
  while (off < total) {
    struct iovec iov[2];
    int n_iov = 0;
    if (off < hl) {
      iov[n_iov++] = (struct iovec){head + off, hl - off};
    }
    size_t body = off > hl ? off - hl : 0;
    if (msg->len > body) {
      iov[n_iov++] = (struct iovec){msg->p + body, msg->len - body};
    }
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n_iov};
    ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return -1;
    }
    off += (size_t)n;
  }
  return 0;
}

/* Reads exactly len bytes; 1, 0 at end of stream before the first byte, -1. */
static int read_full(int fd, void *buf, size_t len) {
  size_t off = 0;
  while (off < len) {
    ssize_t n = read(fd, (char *)buf + off, len - off);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return -1;
    }
    if (n == 0) {
      if (off == 0) {
        return 0;
      }
      errno = EPROTO;
      return -1;
    }
    off += (size_t)n;
  }
  return 1;
}

/* Reads more into the buffer (after compacting it); 1, 0 at the end of the stream, -1. */
static int fill(struct rstream *s) {
  if (s->start > 0) {
    memmove(s->buf, s->buf + s->start, s->end - s->start);
    s->end -= s->start;
    s->start = 0;
  }
  /*
   * Wait in poll(2) for input, not in read(2): a reader asleep in read(2) on a Unix socket is woken each time
   * the peer takes bytes this side sent (the kernel's "room to write" wake-up goes to every sleeper on the
   * socket, whatever it waits for), so the daemon reading the request woke this process for nothing: a
   * wake-up on another CPU, an interrupt between CPUs, once per command. poll(2) sleeps for POLLIN only.
   */
  for (;;) {
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    int r = poll(&p, 1, -1);
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r < 0) {
      return -1;
    }
    break;
  }
  for (;;) {
    ssize_t n = read(s->fd, s->buf + s->end, sizeof s->buf - s->end);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return -1;
    }
    s->end += (size_t)n;
    return n > 0;
  }
}

int rstream_next(struct rstream *s, const uint8_t **msg, size_t *len, uint8_t **big) {
  *big = NULL;
  uint64_t n = 0;
  size_t at = s->start;
  for (int shift = 0;; shift += 7) {
    if (at == s->end) {
      size_t have = at - s->start;
      int r = fill(s);
      at = s->start + have;
      if (r <= 0) {
        if (r == 0 && have > 0) {
          errno = EPROTO;
          return -1;
        }
        return r;
      }
    }
    uint8_t byte = s->buf[at++];
    n |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      break;
    }
    if (shift >= 28) {
      errno = EPROTO;
      return -1;
    }
  }
  if (n > WIRE_MAX_FRAME) {
    errno = EPROTO;
    return -1;
  }
  size_t head = at - s->start;
  if (head + n > sizeof s->buf) { /* larger than the buffer: read into its own memory */
    uint8_t *p = malloc(n);
    if (p == NULL) {
      return -1;
    }
    size_t have = s->end - at;
    memcpy(p, s->buf + at, have);
    s->start = s->end = 0;
    if (read_full(s->fd, p + have, n - have) != 1) {
      free(p);
      errno = EPROTO;
      return -1;
    }
    *big = p;
    *msg = p;
    *len = (size_t)n;
    return 1;
  }
  while (s->end - s->start < head + n) {
    int r = fill(s);
    if (r <= 0) {
      errno = EPROTO;
      return -1;
    }
  }
  *msg = s->buf + s->start + head;
  *len = (size_t)n;
  s->start += head + n;
  return 1;
}

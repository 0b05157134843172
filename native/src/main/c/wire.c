/* lmctfyd's framing and protobuf fields (wire.h). */
#define _GNU_SOURCE
#include "wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void reserve(struct wbuf *b, size_t more) {
  if (b->len + more <= b->cap) {
    return;
  }
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more) {
    cap *= 2;
  }
  uint8_t *p = realloc(b->p, cap);
  if (p == NULL) {
    abort(); /* a command line of a few KiB: out of memory is not worth a path of its own */
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
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
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
  struct wbuf frame = {0};
  wbuf_varint(&frame, msg->len);
  wbuf_append(&frame, msg->p, msg->len);
  size_t off = 0;
  while (off < frame.len) {
    ssize_t n = send(fd, frame.p + off, frame.len - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      int e = errno;
      wbuf_free(&frame);
      errno = e;
      return -1;
    }
    off += (size_t)n;
  }
  wbuf_free(&frame);
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

int wire_recv(int fd, uint8_t **buf, size_t *len) {
  uint64_t n = 0;
  for (int shift = 0;; shift += 7) {
    uint8_t byte;
    int r = read_full(fd, &byte, 1);
    if (r <= 0) {
      if (r == 0 && shift > 0) {
        errno = EPROTO;
        return -1;
      }
      return r;
    }
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
  *buf = malloc(n ? n : 1);
  if (*buf == NULL) {
    return -1;
  }
  if (n && read_full(fd, *buf, n) != 1) {
    free(*buf);
    errno = EPROTO;
    return -1;
  }
  *len = (size_t)n;
  return 1;
}

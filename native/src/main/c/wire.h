/*
 * lmctfyd's framing and the few protobuf fields the native client writes and reads (lmctfyd.proto):
 * varint-delimited messages, fields walked one by one, unknown ones skipped.
 */
#ifndef LMCTFY_WIRE_H
#define LMCTFY_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* The largest frame either side accepts (Frames.MAX_FRAME). */
#define WIRE_MAX_FRAME (4u << 20)

/* A growing message being written: in malloc'd memory, or first in a caller's array (WBUF_ON), copied out to
 * malloc'd memory only if it outgrows it (a command line's request fits: no allocation at all). */
struct wbuf {
  uint8_t *p;
  size_t len, cap;
  int fixed; /* p is the caller's array */
};
#define WBUF_ON(array) ((struct wbuf){(array), 0, sizeof(array), 1})

void wbuf_varint(struct wbuf *b, uint64_t v);
/* A varint field. */
void wbuf_uint(struct wbuf *b, uint32_t field, uint64_t v);
/* A length-delimited field (string, bytes, or an embedded message already written). */
void wbuf_bytes(struct wbuf *b, uint32_t field, const void *data, size_t len);
/* Raw bytes. */
void wbuf_append(struct wbuf *b, const void *data, size_t len);
void wbuf_free(struct wbuf *b);

/* A message being read. */
struct rbuf {
  const uint8_t *p, *end;
};

/* One field; wire type 0 fills *v, wire type 2 fills *data and *len. 1: a field, 0: the end, -1: malformed. */
int rbuf_next(struct rbuf *b, uint32_t *field, int *wire, uint64_t *v, const uint8_t **data, size_t *len);

/* Writes one frame whole (no SIGPIPE); -1 with errno. */
int wire_send(int fd, const struct wbuf *msg);

/* A connection's bytes, read ahead: frames are cut out of one buffer (one read often brings several). */
struct rstream {
  int fd;
  size_t start, end;
  uint8_t buf[65536];
};

/*
 * The next frame: *msg (*len bytes) points into the stream's buffer, valid until the next call, or, for a
 * frame larger than it, into *big (malloc'd: the caller frees it; else *big is NULL). 1: a frame, 0: the
 * stream ended between frames, -1: it ended inside one or was malformed (errno EPROTO) or reading failed.
 */
int rstream_next(struct rstream *s, const uint8_t **msg, size_t *len, uint8_t **big);

#endif

#define _GNU_SOURCE
#include "report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int status_fd = -1;

/* Writes a whole line; -1 with errno otherwise. */
static int put(const char *line, size_t len) {
  int fd = status_fd >= 0 ? status_fd : 2;
  while (len > 0) {
    ssize_t n = write(fd, line, len);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return -1;
    }
    line += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Formats into msg (with a trailing newline, truncated to fit); returns the length. */
__attribute__((format(printf, 4, 0))) static size_t format_line(char *msg, size_t size, const char *prefix, const char *fmt, va_list ap) {
  int n = snprintf(msg, size, "%s", prefix);
  if (n >= 0 && (size_t)n < size) {
    n += vsnprintf(msg + n, size - (size_t)n, fmt, ap);
  }
  if (n < 0) {
    n = 0;
  }
  if ((size_t)n >= size - 1) {
    n = (int)size - 2;
  }
  msg[n++] = '\n';
  return (size_t)n;
}

void fail(int err, const char *fmt, ...) {
  char prefix[16];
  snprintf(prefix, sizeof prefix, "%d ", err);
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  size_t n = format_line(msg, sizeof msg, prefix, fmt, ap);
  va_end(ap);
  (void)put(msg, n); /* nobody left to tell otherwise */
  _exit(127);
}

int report_line(const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  size_t n = format_line(msg, sizeof msg, "", fmt, ap);
  va_end(ap);
  return put(msg, n);
}

void release_status(void) {
  if (status_fd >= 0) {
    close(status_fd);
    status_fd = -1;
  }
}

int read_fully(int fd, char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = read(fd, buf, len);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      if (n == 0) {
        errno = EPROTO;
      }
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

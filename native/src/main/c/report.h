/*
 * The status socket of lmctfy-exec (protocol in lmctfy-exec.c): one line per report, "pid <n>" or
 * "<errno> <step>: <detail>"; stderr when there is no socket.
 */
#ifndef LMCTFY_REPORT_H
#define LMCTFY_REPORT_H

/* The caller's status socket, close-on-exec; -1 when there is none or it was released. */
extern int status_fd;

/* Reports "<err> <step>: <detail>" and exits 127: the command does not run. */
__attribute__((noreturn, format(printf, 2, 3))) void fail(int err, const char *fmt, ...);

/* Reports one line; -1 with errno when it could not be written whole. */
__attribute__((format(printf, 1, 2))) int report_line(const char *fmt, ...);

/* Closes this process's copy of the socket (a parent that forked: the child reports from now on). */
void release_status(void);

#include <stddef.h>

/* Reads exactly len bytes (a request on the socket); -1 with errno on an error or an early end (EPROTO). */
int read_fully(int fd, char *buf, size_t len);

#endif

/*
 * The native client's held exec helper (lmctfyd.proto, HeldStart): lmctfy-exec started as this user, with
 * its environment and working directory, held until lmctfyd has placed it, as HelperProcess.startHeld does
 * for the Java client (protocol in lmctfy-exec.c).
 */
#ifndef LMCTFY_HELD_H
#define LMCTFY_HELD_H

#include <stddef.h>
#include <sys/types.h>

struct held {
  pid_t helper;    /* the helper, this process's child; 0 when it could not start */
  pid_t forked;    /* the child it forked into a pid namespace ("pid <n>"), else 0 */
  int conn;        /* its status socket, -1 once closed */
  char dir[64];    /* the private directory of the listening socket */
};

/*
 * Starts `helper --status <socket> args...` (stdio /dev/null when detached) and waits (bounded) for it to
 * connect; with read_pid_line, also for its first line. *line gets that line, or a failure as the helper
 * would report it ("<errno> <step>: <detail>"), or stays empty.
 */
void held_start(struct held *h, const char *helper, char *const args[], size_t nargs, int detached,
                int read_pid_line, char *line, size_t line_size);

/* "g": the helper was placed. *report gets what it says before its command runs (empty: it runs). */
void held_go(struct held *h, char *report, size_t report_size);

/* The placement failed: the helper (and its child) end without running anything. */
void held_abort(struct held *h);

/* Waits for the helper: its exit status, or 128 + the signal that killed it. */
int held_wait(struct held *h);

#endif

/* The native client's held exec helper (held.h). */
#define _GNU_SOURCE
#include "held.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* HelperProcess.START_TIMEOUT_MS: a helper has only a few system calls to make before its execve. */
#define START_TIMEOUT_MS 10000

static long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void cleanup_dir(struct held *h) {
  if (h->dir[0]) {
    char sock[96];
    snprintf(sock, sizeof sock, "%s/s", h->dir);
    unlink(sock);
    rmdir(h->dir);
    h->dir[0] = 0;
  }
}

/* Whether the helper is still running (reaped when it is not). */
static int helper_alive(struct held *h) {
  int st;
  return h->helper > 0 && waitpid(h->helper, &st, WNOHANG) == 0;
}

/* Reads up to a newline (kept out) or the end of stream, bounded; -1 on the deadline. */
static int read_line(struct held *h, char *line, size_t size, int until_eof) {
  size_t len = 0;
  long deadline = now_ms() + START_TIMEOUT_MS;
  line[0] = 0;
  for (;;) {
    long left = deadline - now_ms();
    if (left <= 0) {
      return -1;
    }
    struct pollfd p = {.fd = h->conn, .events = POLLIN};
    int r = poll(&p, 1, (int)left);
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      continue; /* the deadline is checked above */
    }
    char c;
    ssize_t n = read(h->conn, &c, 1);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    if (c == '\n' && !until_eof) {
      break;
    }
    if (len + 1 < size) {
      line[len++] = c;
      line[len] = 0;
    }
  }
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == ' ')) {
    line[--len] = 0;
  }
  return 0;
}

void held_start(struct held *h, const char *helper, char *const args[], size_t nargs, int detached,
                int read_pid_line, char *line, size_t line_size) {
  memset(h, 0, sizeof *h);
  h->conn = -1;
  line[0] = 0;
  const char *tmp = getenv("TMPDIR");
  snprintf(h->dir, sizeof h->dir, "%s/lmctfy-run.XXXXXX", tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
  if (mkdtemp(h->dir) == NULL) { /* 0700: only this user can connect */
    snprintf(line, line_size, "%d start: mkdtemp %s: %s", errno, h->dir, strerror(errno));
    h->dir[0] = 0;
    return;
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s/s", h->dir);
  int server = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (server < 0 || bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 1) < 0) {
    snprintf(line, line_size, "%d start: status socket: %s", errno, strerror(errno));
    if (server >= 0) {
      close(server);
    }
    cleanup_dir(h);
    return;
  }
  char **argv = calloc(nargs + 4, sizeof *argv);
  if (argv == NULL) {
    abort();
  }
  argv[0] = (char *)helper;
  argv[1] = "--status";
  argv[2] = addr.sun_path;
  for (size_t i = 0; i < nargs; i++) {
    argv[3 + i] = args[i];
  }
  pid_t pid = fork();
  if (pid == 0) {
    if (detached) {
      int null = open("/dev/null", O_RDWR);
      if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) {
        _exit(127);
      }
    }
    execv(helper, argv);
    _exit(127);
  }
  free(argv);
  if (pid < 0) {
    snprintf(line, line_size, "%d start: fork: %s", errno, strerror(errno));
    close(server);
    cleanup_dir(h);
    return;
  }
  h->helper = pid;
  long deadline = now_ms() + START_TIMEOUT_MS;
  while (h->conn < 0) {
    struct pollfd p = {.fd = server, .events = POLLIN};
    int r = poll(&p, 1, 20);
    if (r > 0) {
      h->conn = accept4(server, NULL, NULL, SOCK_CLOEXEC);
    } else if (!helper_alive(h)) {
      snprintf(line, line_size, "%d start: the exec helper %s ended before it connected", ECHILD, helper);
      h->helper = 0;
      break;
    } else if (now_ms() > deadline) {
      snprintf(line, line_size, "%d start: the exec helper did not connect in %d ms", ETIMEDOUT, START_TIMEOUT_MS);
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      h->helper = 0;
      break;
    }
  }
  close(server);
  cleanup_dir(h);
  if (h->conn >= 0 && read_pid_line) {
    if (read_line(h, line, line_size, 0) < 0) {
      snprintf(line, line_size, "%d start: the exec helper did not answer in %d ms", ETIMEDOUT, START_TIMEOUT_MS);
    } else if (strncmp(line, "pid ", 4) == 0) {
      h->forked = (pid_t)atol(line + 4);
    }
  }
}

void held_go(struct held *h, char *report, size_t report_size) {
  report[0] = 0;
  if (send(h->conn, "g", 1, MSG_NOSIGNAL) != 1) {
    snprintf(report, report_size, "%d start: the exec helper went away: %s", errno, strerror(errno));
  } else if (read_line(h, report, report_size, 1) < 0) {
    /* Stopped before its execve (its container paused meanwhile): killed, as HelperProcess does. */
    kill(h->helper, SIGKILL);
    if (h->forked > 0) {
      kill(h->forked, SIGKILL);
    }
    snprintf(report, report_size, "%d start: the exec helper did not start the command in %d ms", ETIMEDOUT,
             START_TIMEOUT_MS);
  }
  close(h->conn);
  h->conn = -1;
}

void held_abort(struct held *h) {
  if (h->conn >= 0) {
    close(h->conn); /* the held helper reads end-of-file and exits without running anything */
    h->conn = -1;
  }
  if (h->helper > 0) {
    long deadline = now_ms() + 500;
    while (helper_alive(h) && now_ms() < deadline) {
      usleep(5000);
    }
    if (helper_alive(h)) {
      kill(h->helper, SIGKILL); /* placed half-way into a frozen cgroup, it cannot read */
      waitpid(h->helper, NULL, 0);
    }
  }
  if (h->forked > 0) {
    kill(h->forked, SIGKILL);
  }
}

int held_wait(struct held *h) {
  int st;
  while (waitpid(h->helper, &st, 0) < 0) {
    if (errno != EINTR) {
      return 127;
    }
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

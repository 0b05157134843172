/*
 * lmctfy-exec: start a command whose first instruction already runs inside a container's cgroups
 * (DESIGN §5). The JVM cannot run code between fork and exec, so it spawns this helper, which:
 *   1. connects to the caller's status socket (close-on-exec),
 *   1a. with --hold, waits until the caller writes "g" on that socket (the caller has had this process placed
 *      into its container meanwhile, e.g. lmctfyd entering a non-root client's own process); end of stream
 *      instead ends the helper without running anything,
 *   2. writes its own pid into each given cgroup's cgroup.procs (moving the whole, single-threaded process),
 *   3. optionally starts a new session with stdio on /dev/null (RunSpec DETACHED),
 *   4. changes directory, marks every other descriptor close-on-exec,
 *   5. execve()s the command (absolute path, no PATH search).
 * Any failure is sent as "<errno> <step>: <detail>\n" on the status socket and the helper exits 127. A
 * successful execve closes the socket without a message, which tells the caller that the command runs.
 *
 * usage: lmctfy-exec --status <socket> [--hold] [--cgroup <dir>]... [--cwd <dir>] [--detach] [--env K=V]...
 *        -- <cmd> [args]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_CGROUPS 64
#define MAX_ENV 1024

extern char **environ;

static int status_fd = -1;

static void fail(int err, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = snprintf(msg, sizeof msg, "%d ", err);
  if (n > 0 && (size_t)n < sizeof msg) {
    n += vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
  }
  va_end(ap);
  if (n < 0) {
    n = 0;
  }
  if ((size_t)n >= sizeof msg - 1) {
    n = (int)sizeof msg - 2;
  }
  msg[n++] = '\n';
  if (status_fd >= 0) {
    ssize_t ignored = write(status_fd, msg, (size_t)n);
    (void)ignored;
  } else {
    ssize_t ignored = write(2, msg, (size_t)n);
    (void)ignored;
  }
  _exit(127);
}

static void join_cgroup(const char *dir) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= (int)sizeof path) {
    fail(ENAMETOOLONG, "cgroup %s: path too long", dir);
  }
  int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    fail(errno, "cgroup %s: %s", path, strerror(errno));
  }
  char pid[32];
  int len = snprintf(pid, sizeof pid, "%d", (int)getpid());
  if (write(fd, pid, (size_t)len) != len) {
    fail(errno, "cgroup %s: writing pid %s: %s", path, pid, strerror(errno));
  }
  close(fd);
}

static void detach(void) {
  if (setsid() < 0) {
    fail(errno, "setsid: %s", strerror(errno));
  }
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) {
    fail(errno, "open /dev/null: %s", strerror(errno));
  }
  for (int fd = 0; fd <= 2; fd++) {
    if (dup2(null, fd) < 0) {
      fail(errno, "dup2 /dev/null to %d: %s", fd, strerror(errno));
    }
  }
  close(null);
}

/* Only stdio (and, until exec, the status socket) may reach the command. */
static void close_other_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL) {
    fail(errno, "opendir /proc/self/fd: %s", strerror(errno));
  }
  int self = dirfd(d);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    int fd = atoi(e->d_name);
    if (fd > 2 && fd != self && fd != status_fd) {
      int flags = fcntl(fd, F_GETFD);
      if (flags >= 0 && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
        fail(errno, "fcntl %d: %s", fd, strerror(errno));
      }
    }
  }
  closedir(d);
}

int main(int argc, char **argv) {
  const char *status = NULL;
  const char *cwd = NULL;
  const char *cgroups[MAX_CGROUPS];
  int ncgroups = 0;
  char *env[MAX_ENV + 1];
  int nenv = 0;
  int detached = 0;
  int hold = 0;
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    } else if (strcmp(argv[i], "--status") == 0 && i + 1 < argc) {
      status = argv[++i];
    } else if (strcmp(argv[i], "--cgroup") == 0 && i + 1 < argc) {
      if (ncgroups == MAX_CGROUPS) {
        fail(E2BIG, "arguments: more than %d cgroups", MAX_CGROUPS);
      }
      cgroups[ncgroups++] = argv[++i];
    } else if (strcmp(argv[i], "--cwd") == 0 && i + 1 < argc) {
      cwd = argv[++i];
    } else if (strcmp(argv[i], "--env") == 0 && i + 1 < argc) {
      if (nenv == MAX_ENV) {
        fail(E2BIG, "arguments: more than %d environment variables", MAX_ENV);
      }
      env[nenv++] = argv[++i];
    } else if (strcmp(argv[i], "--detach") == 0) {
      detached = 1;
    } else if (strcmp(argv[i], "--hold") == 0) {
      hold = 1;
    } else {
      fail(EINVAL, "arguments: unknown option %s", argv[i]);
    }
  }
  env[nenv] = NULL;

  if (status != NULL) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(status) >= sizeof addr.sun_path) {
      fail(ENAMETOOLONG, "status socket %s: path too long", status);
    }
    strcpy(addr.sun_path, status);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
      fail(errno, "status socket %s: %s", status, strerror(errno));
    }
    status_fd = fd;
  }
  if (i >= argc) {
    fail(EINVAL, "arguments: no command after --");
  }
  if (argv[i][0] != '/') {
    fail(EINVAL, "command %s: not an absolute path", argv[i]);
  }
  if (hold) {
    if (status_fd < 0) {
      fail(EINVAL, "arguments: --hold needs --status");
    }
    char go = 0;
    ssize_t n;
    do {
      n = read(status_fd, &go, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1 || go != 'g') {
      _exit(127); /* the caller gave up: nothing runs */
    }
  }
  for (int c = 0; c < ncgroups; c++) {
    join_cgroup(cgroups[c]);
  }
  if (detached) {
    detach();
  }
  if (cwd != NULL && chdir(cwd) < 0) {
    fail(errno, "chdir %s: %s", cwd, strerror(errno));
  }
  close_other_fds();
  execve(argv[i], &argv[i], nenv > 0 ? env : environ);
  fail(errno, "execve %s: %s", argv[i], strerror(errno));
  return 127;
}

/*
 * A virtual host's init that also starts the commands of its own container (lmctfy-exec --init --spawn):
 * the command is the init's child, born in every namespace and cgroup of the virtual host, without the exec
 * helper's fork, its setns calls, its cgroup writes and its relay. See spawn.h.
 */
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"
#include "report.h"

#define SPAWN_MAX_REQUEST 65536
#define SPAWN_MAX_ARGS 4096
#define SPAWN_MAX_ENV 1024

extern char **environ;

static void complain(const char *what) {
  fprintf(stderr, "lmctfy-nsinit: %s: %s\n", what, strerror(errno));
}

int spawn_bind(const char *path) {
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof addr.sun_path) {
    fail(ENAMETOOLONG, "arguments: --spawn %s: longer than a socket path may be", path);
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    fail(errno, "spawn socket: %s", strerror(errno));
  }
  if (unlink(path) < 0 && errno != ENOENT) { /* a virtual host of this name that is gone left it */
    fail(errno, "spawn socket %s: removing the old one: %s", path, strerror(errno));
  }
  mode_t old = umask(0077); /* root's only, from the start */
  int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
  umask(old);
  if (rc < 0) {
    fail(errno, "spawn socket %s: bind: %s", path, strerror(errno));
  }
  return fd;
}

/*
 * One request, on its connection: "<bytes>\n" then that many bytes of NUL-terminated arguments ([--cwd <dir>]
 * [--env K=V]... [--detach] -- <command> [args]), the first message carrying the caller's stdin, stdout and
 * stderr (SCM_RIGHTS) unless --detach. Answered as the exec helper answers: "pid <n>" (the command's pid in
 * the virtual host's pid namespace), then end of stream at its execve, or "<errno> <step>: <detail>".
 */
static void spawn_one(int listener, int signals) {
  int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0) {
    return; /* the caller gave up meanwhile */
  }
  struct timeval bound = {1, 0}; /* the caller writes at once: the init never waits long for anybody */
  static char buf[SPAWN_MAX_REQUEST + 32];
  int fds[3] = {-1, -1, -1};
  int nfds = 0;
  ssize_t got = -1;
  if (setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound) == 0) {
    union {
      char space[CMSG_SPACE(sizeof fds)];
      struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space,
                         .msg_controllen = sizeof control.space};
    do {
      got = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    } while (got < 0 && errno == EINTR);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); got > 0 && c != NULL; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int *in = (int *)CMSG_DATA(c);
        for (size_t i = 0; i < n; i++) {
          if (nfds < 3) {
            fds[nfds++] = in[i];
          } else {
            close(in[i]);
          }
        }
      }
    }
  }
  pid_t child = got > 0 ? fork() : -1;
  if (child != 0) {
    for (int i = 0; i < nfds; i++) {
      close(fds[i]);
    }
    if (child < 0 && got > 0) {
      status_fd = conn;
      report_line("%d spawn: fork: %s", errno, strerror(errno));
      status_fd = -1;
    }
    close(conn); /* the child keeps its copy until its execve */
    return;
  }
  /* The command's process: everything below reports to the caller and never returns. */
  status_fd = conn;
  close(listener);
  close(signals);
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, NULL) < 0) {
    fail(errno, "spawn: signal mask: %s", strerror(errno));
  }
  /* The rest of the request, after what the first message held. */
  char *nl = memchr(buf, '\n', (size_t)got < 32 ? (size_t)got : 32);
  if (nl == NULL) {
    fail(EPROTO, "spawn: bad request header");
  }
  *nl = 0;
  char *end;
  long len = strtol(buf, &end, 10);
  if (end == buf || *end != 0 || len <= 0 || len > SPAWN_MAX_REQUEST) {
    fail(EPROTO, "spawn: bad request length \"%s\"", buf);
  }
  size_t head = (size_t)(nl - buf) + 1;
  size_t have = (size_t)got - head;
  if (have > (size_t)len) {
    fail(EPROTO, "spawn: more bytes than the request says");
  }
  if (have < (size_t)len && read_fully(conn, buf + got, (size_t)len - have) < 0) {
    fail(errno, "spawn: reading the request: %s", strerror(errno));
  }
  char *body = buf + head;
  if (body[len - 1] != 0) {
    fail(EPROTO, "spawn: the request's last argument is not NUL-terminated");
  }
  static char *args[SPAWN_MAX_ARGS + 1];
  static char *env[SPAWN_MAX_ENV + 1];
  int argc = 0, nenv = 0, detach = 0, command = -1;
  const char *cwd = "/";
  for (long at = 0; at < len; at += (long)strlen(body + at) + 1) {
    if (argc == SPAWN_MAX_ARGS) {
      fail(E2BIG, "spawn: more than %d arguments", SPAWN_MAX_ARGS);
    }
    args[argc++] = body + at;
  }
  args[argc] = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(args[i], "--") == 0) {
      command = i + 1;
      break;
    } else if (strcmp(args[i], "--cwd") == 0 && i + 1 < argc) {
      cwd = args[++i];
    } else if (strcmp(args[i], "--env") == 0 && i + 1 < argc) {
      if (nenv == SPAWN_MAX_ENV) {
        fail(E2BIG, "arguments: more than %d environment variables", SPAWN_MAX_ENV);
      }
      env[nenv++] = args[++i];
    } else if (strcmp(args[i], "--detach") == 0) {
      detach = 1;
    } else {
      fail(EINVAL, "arguments: the virtual host's init takes no option %s", args[i]);
    }
  }
  env[nenv] = NULL;
  if (command < 0 || command >= argc) {
    fail(EINVAL, "arguments: no command after --");
  }
  if (args[command][0] != '/') {
    fail(EINVAL, "command %s: not an absolute path", args[command]);
  }
  if (detach) {
    if (setsid() < 0) {
      fail(errno, "setsid: %s", strerror(errno));
    }
    /* stdio stays the init's: /dev/null */
  } else {
    if (nfds != 3) {
      fail(EPROTO, "spawn: the caller's stdin, stdout and stderr did not come with the request");
    }
    for (int i = 0; i < 3; i++) {
      if (dup2(fds[i], i) < 0) { /* dup2 clears close-on-exec on the copy */
        fail(errno, "spawn: stdio: %s", strerror(errno));
      }
    }
    for (int i = 0; i < 3; i++) {
      if (fds[i] > 2) {
        close(fds[i]);
      }
    }
  }
  if (chdir(cwd) < 0) {
    fail(errno, "chdir %s: %s", cwd, strerror(errno));
  }
  if (report_line("pid %d", (int)getpid()) < 0) {
    _exit(127); /* the caller is gone: nothing runs */
  }
  execve(args[command], &args[command], nenv > 0 ? env : environ);
  fail(errno, "execve %s: %s", args[command], strerror(errno));
}

int spawn_serve(int listener) {
  sigset_t all;
  int rc = nsinit_prepare(&all);
  if (rc != 0) {
    return rc;
  }
  sigset_t mine;
  sigemptyset(&mine);
  sigaddset(&mine, SIGCHLD);
  sigaddset(&mine, SIGTERM);
  sigaddset(&mine, SIGINT);
  int signals = signalfd(-1, &mine, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signals < 0) {
    complain("signalfd");
    return 1;
  }
  for (;;) {
    struct pollfd p[2] = {{.fd = signals, .events = POLLIN}, {.fd = listener, .events = POLLIN}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      complain("poll"); /* cannot happen with valid descriptors; an init that cannot wait would spin */
      return 1;
    }
    if (p[0].revents != 0) {
      struct signalfd_siginfo si;
      while (read(signals, &si, sizeof si) == (ssize_t)sizeof si) {
        nsinit_signal((int)si.ssi_signo);
      }
    }
    if (p[1].revents & POLLIN) {
      spawn_one(listener, signals);
    }
  }
}

/*
 * lmctfy-exec: start a command whose first instruction already runs inside a container's cgroups and
 * namespaces (ARCHITECTURE.md § Resources that shape processes, §5). The JVM cannot run code between fork and exec, so it spawns this helper,
 * which, in this order:
 *   1. connects to the caller's status socket (close-on-exec), before anything else, so that even a bad
 *      argument reaches the caller,
 *   2. with --hold, waits until the caller writes "g" on that socket (the caller has had this process placed
 *      into its container meanwhile, e.g. lmctfyd entering a non-root client's own process); end of stream
 *      instead ends the helper without running anything; with --ns pid=... too, this wait comes after step
 *      5, in the child: the process to place is the one born in the joined pid namespace (the pid line names
 *      it), since a virtual host admits only its own processes,
 *   3. writes its own pid into each given cgroup's cgroup.procs (moving the whole, single-threaded process),
 *   4. joins the --ns namespaces (namespaces.c: all files opened first, then setns(2) in the kernel's order
 *      user, cgroup, ipc, uts, net, pid, time, mnt whatever the order of the arguments), then creates the
 *      --unshare ones (mnt: the whole tree made a recursive slave of the host's; uts: --hostname),
 *   5. forks when a pid namespace is joined or created (a pid namespace takes effect for children only),
 *      see "Forking" below,
 *   6. (the command's process) with --mount-proc mounts a fresh proc on /proc, optionally starts a new
 *      session with stdio on /dev/null (RunSpec DETACHED), changes directory, marks every other descriptor
 *      close-on-exec,
 *   7. execve()s the command (absolute path, no PATH search).
 *
 * Status socket protocol (org.lmctfy.spi.exec.HelperProcess reads it):
 *   - "pid <n>\n": only when the helper forked (step 5), written by the parent before the child may go on,
 *     so it always comes first: <n> is the command's pid as the caller's pid namespace sees it;
 *   - "<errno> <step>: <detail>\n": a step failed, in whichever process; that process exits 127 and the
 *     command never runs;
 *   - end of stream without an error line: the command runs (the socket is close-on-exec; a parent that
 *     forked closes its copy after the pid line).
 * Without --status these lines go to stderr.
 *
 * Forking (step 5):
 *   - --unshare pid: the child is PID 1 of the new pid namespace and execs the command (a virtual host's
 *     init, lmctfy-nsinit); the parent reports the pid line and exits 0 at once: the init outlives it;
 *   - --ns pid=<path>: the parent stays as a relay, like nsenter(1): it reports the pid line, forwards
 *     SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the child and ends as the child ends (its
 *     exit status, or killed by the same signal). The relay stays in the container's cgroups and in every
 *     joined namespace but pid. Should the relay itself be SIGKILLed, the command goes on, re-parented to the
 *     namespace's init; a relay that fails after the child runs says so on stderr and exits 127.
 *   - neither: no fork; the command keeps the helper's pid.
 *
 * usage: lmctfy-exec --status <socket> [--hold] [--cgroup <dir>]...
 *            [--ns <type>=<path>]... [--unshare <type>[,<type>]...] [--hostname <name>] [--mount-proc]
 *            [--cwd <dir>] [--detach] [--env K=V]... -- <cmd> [args]
 *        lmctfy-exec [--status <socket>] [options as above] --unshare pid,... --init -- [setup options]
 *        lmctfy-exec --serve <socket> --status <socket>
 *   --ns        type one of user, cgroup, ipc, uts, net, pid, mnt, time; path a namespace file such as
 *               /proc/<pid>/ns/<type>; each type at most once. Joining mnt resets the working directory to
 *               the namespace's root (give --cwd); join pid with it when that namespace has its own /proc,
 *               or the command finds no /proc/self there. Joining time takes effect at once
 *               (time_namespaces(7)): only pid makes the helper fork.
 *   --unshare   new namespaces of the types ipc, uts, mnt, pid, net, cgroup (repeatable); a type may not be
 *               both joined and unshared. net: a new network namespace has only a loopback device, down.
 *   --hostname  the new UTS namespace's host name (needs --unshare uts; at most 64 bytes).
 *   --mount-proc  mounts a proc for the new pid namespace on /proc (needs --unshare mnt,pid).
 *   --init      instead of a command, PID 1 of the new pid namespace runs lmctfy-nsinit's init (init.c)
 *               built into this helper: the same behaviour without an exec. After "--", options that set
 *               the virtual host up first, in PID 1 (network first, then filesystem): network.h's
 *               (--net-loopback, --net-veth <out> <in>, --net-interface <name>, --net-bridge <name>,
 *               --net-address <a.b.c.d>/<n>, --net-gateway <a.b.c.d>, --net-mtu <n>, --net-ip-forward <0|1>;
 *               need --unshare net) and rootfs.h's (--rootfs, --bind; --rootfs needs
 *               --unshare mnt and mounts /proc inside the rootfs instead of --mount-proc's). A failure of
 *               the setup is reported like any other and the init exits (its namespaces go with it).
 *               --spawn <socket> (spawn.h): the init also starts the container's own commands, requested
 *               on <socket> (bound here before any namespace changes, 0600).
 *   --serve     a server of helpers (see serve() below): one process forked per request.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"
#include "namespaces.h"
#include "network.h"
#include "report.h"
#include "rootfs.h"
#include "spawn.h"

#define MAX_CGROUPS 64
#define MAX_ENV 1024
#define MAX_REQUEST (4 << 20) /* bytes of one server request: more than the kernel's default ARG_MAX */
#define MAX_REQUEST_ARGS 65536

extern char **environ;

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

/*
 * Only stdio (and, until exec, the status socket) may reach the command. close_range() (Linux 5.11) does
 * not depend on /proc: after joining a virtual host's mount namespace without its pid namespace, the
 * /proc there is the virtual host's, where this process has no /proc/self.
 */
static void close_other_fds(void) {
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
    return;
  }
  if (errno != ENOSYS && errno != EINVAL) {
    fail(errno, "close_range: %s", strerror(errno));
  }
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

static int takes_value(const char *option) {
  static const char *const with_value[] = {"--status", "--cgroup", "--ns", "--unshare", "--hostname", "--cwd",
                                           "--env"};
  for (size_t o = 0; o < sizeof with_value / sizeof with_value[0]; o++) {
    if (strcmp(option, with_value[o]) == 0) {
      return 1;
    }
  }
  return 0;
}

/* This process's original argument area (main's argv strings, contiguous), to rename the built-in init. */
static char *args_start;
static size_t args_len;

/* Shows as `name` in ps and /proc/<pid>/cmdline and comm: the built-in init is lmctfy-nsinit to users. */
static void set_title(const char *name) {
  size_t n = strlen(name);
  if (args_start != NULL && n < args_len) {
    memset(args_start, 0, args_len);
    memcpy(args_start, name, n);
  }
  (void)prctl(PR_SET_NAME, name, 0, 0, 0);
}

static int unix_socket(const char *path, struct sockaddr_un *addr) {
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (strlen(path) >= sizeof addr->sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(addr->sun_path, path);
  return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static void connect_status(const char *status) {
  struct sockaddr_un addr;
  int fd = unix_socket(status, &addr);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    fail(errno, "status socket %s: %s", status, strerror(errno));
  }
  status_fd = fd;
}

/* --hold: waits until the caller writes "g" on the status socket; end of stream ends this process. */
static void wait_go(void) {
  char go = 0;
  ssize_t n;
  do {
    n = read(status_fd, &go, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1 || go != 'g') {
    _exit(127); /* the caller gave up: nothing runs */
  }
}

/* What the forked child undoes before execve: the relay's blocked signals and SIGCHLD disposition. */
static sigset_t exec_mask;
static struct sigaction exec_sigchld;
static int restore_signals;

/* Ends this relay as its child ended: same exit status, or killed by the same signal (without a core). */
static void end_like(int status) {
  if (WIFEXITED(status)) {
    _exit(WEXITSTATUS(status));
  }
  int sig = WTERMSIG(status);
  struct rlimit no_core = {0, 0};
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, sig);
  if (setrlimit(RLIMIT_CORE, &no_core) < 0 || (sig != SIGKILL && sigaction(sig, &dfl, NULL) < 0)
      || sigprocmask(SIG_UNBLOCK, &only, NULL) < 0 || kill(getpid(), sig) < 0) {
    fail(errno, "relay: ending by signal %d as the command did: %s", sig, strerror(errno));
  }
  _exit(128 + sig); /* not reached: the signal's default action ends this process */
}

/* The parent of a command that joined a pid namespace: forwards signals, ends as the child ends. */
static void relay(pid_t child, const sigset_t *relayed) {
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(relayed, &info);
    if (sig < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail(errno, "relay: sigwaitinfo: %s", strerror(errno));
    }
    if (sig != SIGCHLD) {
      if (kill(child, sig) < 0 && errno != ESRCH) {
        fail(errno, "relay: forwarding signal %d to %d: %s", sig, (int)child, strerror(errno));
      }
      continue;
    }
    int status;
    pid_t r = waitpid(child, &status, WNOHANG);
    if (r < 0) {
      fail(errno, "relay: waitpid %d: %s", (int)child, strerror(errno));
    }
    if (r == child) {
      end_like(status);
    }
  }
}

/*
 * Forks the command's process. Returns in the child, once the parent has reported the child's pid. The
 * parent never returns: with relay, it relays until the child ends; otherwise it exits 0.
 */
static void fork_command(int relaying, const char *pid_ns) {
  sigset_t relayed;
  sigemptyset(&relayed);
  const int signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD};
  for (size_t s = 0; s < sizeof signals / sizeof signals[0]; s++) {
    sigaddset(&relayed, signals[s]);
  }
  /* Blocked before the fork, so that nothing sent to the relay meanwhile is lost; SIGCHLD not ignored,
   * so that the child stays waitable. The child restores both just before execve. */
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  if (sigprocmask(SIG_BLOCK, &relayed, &exec_mask) < 0 || sigaction(SIGCHLD, &dfl, &exec_sigchld) < 0) {
    fail(errno, "fork: preparing signals: %s", strerror(errno));
  }
  restore_signals = 1;
  int go[2];
  if (pipe2(go, O_CLOEXEC) < 0) {
    fail(errno, "fork: pipe: %s", strerror(errno));
  }
  pid_t child = fork();
  if (child < 0) {
    if (errno == ENOMEM && pid_ns != NULL) {
      /* alloc_pid() fails so in a pid namespace whose init has exited (pid_namespaces(7)) */
      fail(ESRCH, "fork into pid namespace %s: its init has exited", pid_ns);
    }
    fail(errno, "fork: %s", strerror(errno));
  }
  if (child == 0) {
    close(go[1]);
    char g = 0;
    ssize_t n;
    do {
      n = read(go[0], &g, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1 || g != 'g') {
      _exit(127); /* the parent failed and said so: nothing runs */
    }
    close(go[0]);
    return;
  }
  close(go[0]);
  struct sigaction ign;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  if (sigaction(SIGPIPE, &ign, NULL) < 0) { /* a dead reader is an error to report, not a silent death */
    kill(child, SIGKILL);
    fail(errno, "fork: ignoring SIGPIPE: %s", strerror(errno));
  }
  /* Without a status socket (Container.exec: the caller is gone once it exec'd us) nobody wants the pid. */
  if (status_fd >= 0 && report_line("pid %d", (int)child) < 0) {
    int err = errno;
    kill(child, SIGKILL);
    fail(err, "reporting the command's pid %d: %s", (int)child, strerror(err));
  }
  if (write(go[1], "g", 1) != 1) {
    int err = errno;
    kill(child, SIGKILL);
    fail(err, "letting the command's process %d go on: %s", (int)child, strerror(err));
  }
  close(go[1]);
  release_status(); /* from now on the socket ends when the child execs or reports its failure */
  if (!relaying) {
    _exit(0);
  }
  relay(child, &relayed);
}

static int helper_main(int argc, char **argv) {
  /* The status socket first, so that every later error, argument errors too, reaches the caller. */
  for (int a = 1; a + 1 < argc && strcmp(argv[a], "--") != 0; a += takes_value(argv[a]) ? 2 : 1) {
    if (strcmp(argv[a], "--status") == 0) {
      connect_status(argv[a + 1]);
      break;
    }
  }
  const char *cwd = NULL;
  const char *cgroups[MAX_CGROUPS];
  int ncgroups = 0;
  char *env[MAX_ENV + 1];
  int nenv = 0;
  int detached = 0;
  int hold = 0;
  int init = 0;
  const char *spawn = NULL;
  struct ns_request ns;
  ns_request_init(&ns);
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    } else if (strcmp(argv[i], "--status") == 0 && i + 1 < argc) {
      i++; /* connected above */
    } else if (strcmp(argv[i], "--cgroup") == 0 && i + 1 < argc) {
      if (ncgroups == MAX_CGROUPS) {
        fail(E2BIG, "arguments: more than %d cgroups", MAX_CGROUPS);
      }
      cgroups[ncgroups++] = argv[++i];
    } else if (strcmp(argv[i], "--ns") == 0 && i + 1 < argc) {
      ns_add_join(&ns, argv[++i]);
    } else if (strcmp(argv[i], "--unshare") == 0 && i + 1 < argc) {
      ns_add_unshare(&ns, argv[++i]);
    } else if (strcmp(argv[i], "--hostname") == 0 && i + 1 < argc) {
      ns.hostname = argv[++i];
    } else if (strcmp(argv[i], "--mount-proc") == 0) {
      ns.mount_proc = 1;
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
    } else if (strcmp(argv[i], "--init") == 0) {
      init = 1;

    } else {
      fail(EINVAL, "arguments: unknown option %s", argv[i]);
    }
  }
  env[nenv] = NULL;
  ns_check(&ns);
  struct net_setup *net = NULL;
  struct fs_setup *fs = NULL;
  if (init) {
    /* No command: what follows "--" sets the virtual host up (network.h, rootfs.h) before the init runs. */
    net = net_setup_new();
    fs = fs_setup_new();
    for (int o = i; o < argc;) {
      int used = net_option(net, argc, argv, o);
      if (used == 0) {
        used = fs_option(fs, argc, argv, o);
      }
      if (used == 0 && strcmp(argv[o], "--spawn") == 0 && o + 1 < argc) {
        spawn = argv[o + 1]; /* spawn.h: the init starts the container's commands on this socket */
        used = 2;
      }
      if (used == 0) {
        fail(EINVAL, "arguments: --init takes no command, only setup options; unknown: %s", argv[o]);
      }
      o += used;
    }
    if (net_requested(net) && !(ns.unshare_flags & CLONE_NEWNET)) {
      fail(EINVAL, "arguments: network options need --unshare net");
    }
    if (fs_has_rootfs(fs) && !(ns.unshare_flags & CLONE_NEWNS)) {
      fail(EINVAL, "arguments: --rootfs needs --unshare mnt");
    }
    if (!ns_unshares_pid(&ns)) {
      fail(EINVAL, "arguments: --init needs --unshare pid (the init is PID 1 of a new pid namespace)");
    }
  } else if (i >= argc) {
    fail(EINVAL, "arguments: no command after --");
  } else if (argv[i][0] != '/') {
    fail(EINVAL, "command %s: not an absolute path", argv[i]);
  }
  if (hold && status_fd < 0) {
    fail(EINVAL, "arguments: --hold needs --status");
  }
  /* Held with a pid namespace to join: the process to place is the one born in that namespace (a virtual
   * host admits only its own processes), so the wait comes after the fork, in the child. */
  int hold_after_fork = hold && ns_joins_pid(&ns) != NULL;
  if (hold && !hold_after_fork) {
    wait_go();
  }
  for (int c = 0; c < ncgroups; c++) {
    join_cgroup(cgroups[c]);
  }
  ns_join(&ns);
  /* Bound here, in the caller's mount namespace (a rootfs hides the path later); listened on by the init. */
  int spawn_fd = spawn != NULL ? spawn_bind(spawn) : -1;
  if (net != NULL) {
    net_before_unshare(net); /* still in the caller's network namespace */
  }
  ns_unshare(&ns);
  if (ns_unshares_pid(&ns)) {
    fork_command(0, NULL);
    if (fs == NULL || !fs_has_rootfs(fs)) {
      ns_mount_proc(&ns); /* PID 1 of the new namespace: its proc shows that namespace */
    }
    if (init) {
      /* The virtual host is set up before its init runs; a failure reaches the caller (status socket) */
      net_configure(net);
      fs_configure(fs);
    }
  } else if (ns_joins_pid(&ns) != NULL) {
    fork_command(1, ns_joins_pid(&ns));
    if (hold_after_fork) {
      wait_go(); /* the pid line named this process: the caller has it placed, then says go */
    }
  }
  if (detached) {
    detach();
  }
  if (cwd != NULL && chdir(cwd) < 0) {
    fail(errno, "chdir %s: %s", cwd, strerror(errno));
  }
  if (init) {
    /* Listened on here, by PID 1 itself (a connecting caller's SO_PEERCRED names the init), and before the
     * status socket ends: the caller's next run may connect as soon as the create returns. */
    if (spawn_fd >= 0 && listen(spawn_fd, 16) < 0) {
      fail(errno, "listening on the spawn socket %s: %s", spawn, strerror(errno));
    }
    /* lmctfy-nsinit's code without its exec: the status socket ends here, as an execve would end it */
    release_status();
    if (spawn_fd >= 0 && spawn_fd != 3) { /* the spawn socket is kept as descriptor 3, everything else goes */
      if (dup3(spawn_fd, 3, O_CLOEXEC) < 0) {
        perror("lmctfy-exec --init: keeping the spawn socket");
        spawn_fd = -1;
      } else {
        spawn_fd = 3;
      }
    }
    if (close_range(spawn_fd >= 0 ? 4 : 3, ~0U, 0) < 0 && errno != ENOSYS) {
      perror("lmctfy-exec --init: close_range");
    }
    set_title("lmctfy-nsinit");
    return spawn_fd >= 0 ? spawn_serve(spawn_fd) : nsinit_run();
  }
  close_other_fds();
  if (restore_signals) {
    if (sigaction(SIGCHLD, &exec_sigchld, NULL) < 0 || sigprocmask(SIG_SETMASK, &exec_mask, NULL) < 0) {
      fail(errno, "restoring the signal mask: %s", strerror(errno));
    }
  }
  execve(argv[i], &argv[i], nenv > 0 ? env : environ);
  fail(errno, "execve %s: %s", argv[i], strerror(errno));
  return 127;
}

/*
 * One request of the server, in a process forked for it: the connection becomes the status socket, the
 * request's arguments the helper's. Request: "<bytes>\n" then that many bytes, the arguments each ended by
 * NUL (--status excluded). The first report line is "helper <pid>": the pid of this process, which runs
 * the request as a helper started with those arguments would (and may become the command).
 */
static int serve_one(int conn) {
  status_fd = conn;
  struct timeval bound = {10, 0}; /* the caller writes its request at once: never wait for ever */
  if (setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound) < 0) {
    fail(errno, "server: request timeout: %s", strerror(errno));
  }
  char head[32];
  size_t h = 0;
  for (;;) {
    if (h == sizeof head - 1) {
      fail(EPROTO, "server: request header too long");
    }
    if (read_fully(conn, &head[h], 1) < 0) {
      fail(errno, "server: reading the request: %s", strerror(errno));
    }
    if (head[h] == '\n') {
      break;
    }
    h++;
  }
  head[h] = 0;
  char *end;
  long len = strtol(head, &end, 10);
  if (end == head || *end != 0 || len <= 0 || len > MAX_REQUEST) {
    fail(EPROTO, "server: bad request length \"%s\"", head);
  }
  char *buf = malloc((size_t)len);
  char **args = malloc(sizeof(char *) * (MAX_REQUEST_ARGS + 2));
  if (buf == NULL || args == NULL) {
    fail(ENOMEM, "server: no memory for a request of %ld bytes", len);
  }
  if (read_fully(conn, buf, (size_t)len) < 0) {
    fail(errno, "server: reading the request: %s", strerror(errno));
  }
  if (buf[len - 1] != 0) {
    fail(EPROTO, "server: the request's last argument is not NUL-terminated");
  }
  int argc = 0;
  args[argc++] = "lmctfy-exec";
  for (long at = 0; at < len; at += (long)strlen(buf + at) + 1) {
    if (argc == MAX_REQUEST_ARGS + 1) {
      fail(E2BIG, "server: more than %d arguments", MAX_REQUEST_ARGS);
    }
    if (strcmp(buf + at, "--status") == 0) {
      fail(EINVAL, "arguments: --status is the server's connection");
    }
    args[argc++] = buf + at;
  }
  args[argc] = NULL;
  if (report_line("helper %d", (int)getpid()) < 0) {
    fail(errno, "server: reporting the helper's pid: %s", strerror(errno));
  }
  return helper_main(argc, args);
}

/*
 * --serve <socket> --status <socket>: a server of helpers (the caller's "zygote"), so that a JVM spawns one
 * process once instead of one per command (a JVM spawn costs an exec of jspawnhelper and of the helper,
 * about a millisecond each). It listens on <socket> (a new path in a directory only the caller may enter),
 * reports "ready" on the status connection and keeps that connection: when it ends (the caller closed it,
 * or died), the server exits. Every connection to <socket> is a request (serve_one), run in a forked
 * process: that process is what a spawned helper would be, with the server's stdio, environment and
 * working directory (the caller's at the server's start). The server reaps its children (SIGCHLD ignored
 * here; a forked request restores the default at once).
 */
static int serve(const char *path) {
  if (status_fd < 0) {
    fail(EINVAL, "arguments: --serve needs --status");
  }
  struct sockaddr_un addr;
  int listener = unix_socket(path, &addr);
  if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 128) < 0) {
    fail(errno, "server socket %s: %s", path, strerror(errno));
  }
  struct sigaction ign, dfl;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  if (sigaction(SIGCHLD, &ign, NULL) < 0 || sigaction(SIGPIPE, &ign, NULL) < 0) {
    fail(errno, "server: signals: %s", strerror(errno));
  }
  int caller = status_fd;
  if (report_line("ready") < 0) {
    fail(errno, "server: reporting ready: %s", strerror(errno));
  }
  status_fd = -1; /* kept open (the caller's liveness), but no longer reported to */
  for (;;) {
    struct pollfd fds[2] = {{.fd = listener, .events = POLLIN}, {.fd = caller, .events = POLLIN}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      perror("lmctfy-exec server: poll");
      return 1;
    }
    if (fds[1].revents != 0) {
      return 0; /* the caller closed its end, or is gone (it never writes): done */
    }
    if ((fds[0].revents & POLLIN) == 0) {
      continue;
    }
    int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0) {
      continue; /* e.g. the caller gave up meanwhile (ECONNABORTED), or EMFILE: it sees its request fail */
    }
    pid_t child = fork();
    if (child == 0) {
      close(listener);
      close(caller);
      if (sigaction(SIGCHLD, &dfl, NULL) < 0 || sigaction(SIGPIPE, &dfl, NULL) < 0) {
        status_fd = conn;
        fail(errno, "server: signals: %s", strerror(errno));
      }
      return serve_one(conn);
    }
    if (child < 0) {
      status_fd = conn;
      int err = errno;
      char msg[128];
      int n = snprintf(msg, sizeof msg, "%d server: fork: %s\n", err, strerror(err));
      if (n > 0 && write(conn, msg, (size_t)n) < 0) {
        /* the caller sees the connection end without a report: a failure too */
      }
      status_fd = -1;
    }
    close(conn);
  }
}

int main(int argc, char **argv) {
  args_start = argv[0];
  args_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
  if (argc == 5 && strcmp(argv[1], "--serve") == 0 && strcmp(argv[3], "--status") == 0) {
    connect_status(argv[4]);
    return serve(argv[2]);
  }
  return helper_main(argc, argv);
}

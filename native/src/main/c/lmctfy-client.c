/*
 * lmctfy: the native command line (installed as the distribution's bin/lmctfy).
 *
 * It knows no command: when lmctfyd answers on its socket it sends the whole command line (lmctfyd.proto,
 * CliRequest: arguments, its pid, the terminal width, whether it may start commands through
 * libexec/lmctfy-exec) and the daemon runs the Java CLI's own picocli commands for it, streaming back
 * stdout, stderr and the exit code (CliEvent). What needs this very process is asked of it by the daemon:
 * reading a spec file or stdin as this user, becoming the command (a foreground run: the daemon has entered
 * this process into the container), starting a command through a held exec helper (run -n, a foreground run
 * in a virtual host; held.h). Everything else (no daemon, --embedded, a daemon too old for command lines)
 * goes to the Java CLI, bin/lmctfy-jvm, with the same arguments.
 *
 * The socket: --socket PATH (or --socket=PATH) before a "--", else $LMCTFY_SOCKET, else socket.path of
 * etc/org.lmctfy.daemon.cfg, else /run/lmctfy/lmctfy.sock: the Java CLI's own order.
 *
 * A daemon that dies mid-command: "UNAVAILABLE: ..." and exit 14, never a hang (its end closes the socket).
 * Ctrl-C: this process ends as any does; the daemon sees the connection close and stops the command's
 * waits (notify -f), ending its notifications.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "held.h"
#include "wire.h"

#define DEFAULT_SOCKET "/run/lmctfy/lmctfy.sock"
#define REQUEST_ID 1

/* lmctfy's status codes (StatusCode), by number. */
static const char *const CODES[] = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
                                    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
                                    "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
                                    "UNAVAILABLE", "DATA_LOSS"};

static char home[PATH_MAX];
static char socket_path[PATH_MAX];

static void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void die(int code, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  dprintf(2, "%s: %s\n", code >= 0 && code < (int)(sizeof CODES / sizeof *CODES) ? CODES[code] : "UNKNOWN", msg);
  exit(code);
}

/* The Java CLI, with the same arguments. */
static void java_cli(char **argv) __attribute__((noreturn));
static void java_cli(char **argv) {
  char jvm[PATH_MAX + 32];
  snprintf(jvm, sizeof jvm, "%s/bin/lmctfy-jvm", home);
  argv[0] = jvm;
  execv(jvm, argv);
  die(13, "Cannot run the Java CLI %s: %s", jvm, strerror(errno));
}

/* The distribution: this program is <home>/bin/lmctfy. */
static void find_home(void) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    die(9, "Cannot find this program (/proc/self/exe): %s", strerror(errno));
  }
  self[n] = 0;
  for (int up = 0; up < 2; up++) {
    char *slash = strrchr(self, '/');
    if (slash == NULL) {
      die(9, "Cannot find the distribution of %s", self);
    }
    *slash = 0;
  }
  snprintf(home, sizeof home, "%s", self[0] ? self : "/");
}

/* socket.path of etc/org.lmctfy.daemon.cfg (java.util.Properties: key = value, # and ! comments). */
static int socket_from_config(void) {
  char cfg[PATH_MAX + 64];
  snprintf(cfg, sizeof cfg, "%s/etc/org.lmctfy.daemon.cfg", home);
  FILE *f = fopen(cfg, "re");
  if (f == NULL) {
    return 0;
  }
  char line[PATH_MAX + 64];
  int found = 0;
  while (!found && fgets(line, sizeof line, f)) {
    char *s = line + strspn(line, " \t");
    if (strncmp(s, "socket.path", 11) != 0) {
      continue;
    }
    s += 11;
    s += strspn(s, " \t");
    if (*s != '=' && *s != ':') {
      continue;
    }
    s++;
    s += strspn(s, " \t");
    s[strcspn(s, "\r\n")] = 0;
    for (size_t len = strlen(s); len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'); len--) {
      s[len - 1] = 0;
    }
    const char *var = "${lmctfy.home}"; /* substituted, as FileInstall does */
    char *at = strstr(s, var);
    if (at) {
      *at = 0;
      snprintf(socket_path, sizeof socket_path, "%s%s%s", s, home, at + strlen(var));
    } else {
      snprintf(socket_path, sizeof socket_path, "%s", s);
    }
    found = socket_path[0] != 0;
  }
  fclose(f);
  return found;
}

/* --embedded and --socket before "--" (the Java CLI's own options: anywhere else they would be errors). */
static int read_own_options(int argc, char **argv) {
  int embedded = 0;
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (strcmp(argv[i], "--embedded") == 0) {
      embedded = 1;
    } else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
      snprintf(socket_path, sizeof socket_path, "%s", argv[++i]);
    } else if (strncmp(argv[i], "--socket=", 9) == 0) {
      snprintf(socket_path, sizeof socket_path, "%s", argv[i] + 9);
    }
  }
  if (!socket_path[0]) {
    const char *env = getenv("LMCTFY_SOCKET");
    if (env && env[strspn(env, " \t")]) {
      snprintf(socket_path, sizeof socket_path, "%s", env);
    } else if (!socket_from_config()) {
      snprintf(socket_path, sizeof socket_path, "%s", DEFAULT_SOCKET);
    }
  }
  return embedded;
}

/* A connection to lmctfyd, or -1 when nobody answers there (or this user may not connect). */
static int connect_daemon(void) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof addr.sun_path) {
    return -1;
  }
  strcpy(addr.sun_path, socket_path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

static void send_or_die(int fd, struct wbuf *m) {
  if (wire_send(fd, m) < 0) {
    die(14, "Cannot talk to lmctfyd at %s: %s", socket_path, strerror(errno));
  }
  wbuf_free(m);
}

/* A CliReply (field `what`, a message or bytes) on the command's id. */
static void reply(int fd, const struct wbuf *what) {
  uint8_t space[512];
  struct wbuf req = WBUF_ON(space);
  wbuf_uint(&req, 1, REQUEST_ID);
  wbuf_bytes(&req, 29, what->p, what->len);
  send_or_die(fd, &req);
}

static void write_all(int fd, const uint8_t *p, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return; /* a closed stdout: the rest is not wanted (as a Java PrintWriter drops it) */
    }
    p += n;
    len -= (size_t)n;
  }
}

/* read_input: a spec file as this user reads it, "-" being stdin. */
static void read_input(int fd, const uint8_t *name, size_t name_len) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%.*s", (int)name_len, (const char *)name);
  int in = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
  struct wbuf data = {0}, what = {0};
  int err = in < 0 ? errno : 0;
  while (!err) {
    uint8_t chunk[65536];
    ssize_t n = read(in, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      err = n < 0 ? errno : 0;
      break;
    }
    if (data.len + (size_t)n > WIRE_MAX_FRAME - 4096) {
      err = EFBIG;
      break;
    }
    wbuf_append(&data, chunk, (size_t)n);
  }
  if (in > 0) {
    close(in);
  }
  if (err) {
    const char *m = strerror(err);
    wbuf_bytes(&what, 4, m, strlen(m));
  } else {
    wbuf_bytes(&what, 1, data.p, data.len);
  }
  reply(fd, &what);
  wbuf_free(&data);
  wbuf_free(&what);
}

/* A string field copied out, NUL-terminated (malloc'd). */
static char *dup_field(const uint8_t *p, size_t len) {
  char *s = malloc(len + 1);
  if (s == NULL) {
    abort();
  }
  memcpy(s, p, len);
  s[len] = 0;
  return s;
}

/* exec: the daemon has entered this process (every thread: there is one) into the container. */
static void become(const uint8_t *list, size_t len) {
  struct rbuf b = {list, list + len};
  char *argv[4096];
  size_t n = 0;
  uint32_t field;
  int wire;
  uint64_t v;
  const uint8_t *d;
  size_t dl;
  int r;
  while ((r = rbuf_next(&b, &field, &wire, &v, &d, &dl)) > 0) {
    if (field == 1 && wire == 2 && n + 1 < sizeof argv / sizeof *argv) {
      argv[n++] = dup_field(d, dl);
    }
  }
  if (r < 0 || n == 0) {
    die(13, "lmctfyd sent a malformed command to exec");
  }
  argv[n] = NULL;
  execv(argv[0], argv);
  int e = errno;
  die(e == ENOENT ? 5 : e == EACCES ? 7 : 13, "execve %s failed (-1, errno %d)", argv[0], e);
}

/* held_start: start the exec helper, reply with its pid and (when asked) its first line. */
static void start_held(int fd, struct held *h, const uint8_t *msg, size_t len) {
  struct rbuf b = {msg, msg + len};
  char **args = NULL;
  size_t n = 0;
  int detached = 0, read_pid = 0, r;
  uint32_t field;
  int wire;
  uint64_t v;
  const uint8_t *d;
  size_t dl;
  while ((r = rbuf_next(&b, &field, &wire, &v, &d, &dl)) > 0) {
    if (field == 1 && wire == 2) {
      args = realloc(args, (n + 1) * sizeof *args);
      if (args == NULL) {
        abort();
      }
      args[n++] = dup_field(d, dl);
    } else if (field == 2 && wire == 0) {
      detached = v != 0;
    } else if (field == 3 && wire == 0) {
      read_pid = v != 0;
    }
  }
  if (r < 0) {
    die(13, "lmctfyd sent a malformed helper request");
  }
  char helper[PATH_MAX + 32], line[1024];
  snprintf(helper, sizeof helper, "%s/libexec/lmctfy-exec", home);
  held_start(h, helper, args, n, detached, read_pid, line, sizeof line);
  for (size_t i = 0; i < n; i++) {
    free(args[i]);
  }
  free(args);
  struct wbuf held = {0}, what = {0};
  wbuf_uint(&held, 1, (uint64_t)h->helper);
  wbuf_bytes(&held, 2, line, strlen(line));
  wbuf_bytes(&what, 2, held.p, held.len);
  reply(fd, &what);
  wbuf_free(&held);
  wbuf_free(&what);
}

/* One CliEvent; returns when the conversation goes on (a last event exits or execs). */
static void on_event(int fd, struct held *h, const uint8_t *msg, size_t len) {
  struct rbuf b = {msg, msg + len};
  uint32_t field;
  int wire, r;
  uint64_t v;
  const uint8_t *d = NULL;
  size_t dl = 0;
  while ((r = rbuf_next(&b, &field, &wire, &v, &d, &dl)) > 0) {
    switch (field) {
    case 1: /* stdout */
      if (wire == 2) {
        write_all(1, d, dl);
      }
      break;
    case 2: /* stderr */
      if (wire == 2) {
        write_all(2, d, dl);
      }
      break;
    case 3: /* exit */
      exit((int)(v & 0xff));
    case 4: /* exec */
      if (wire == 2) {
        become(d, dl);
      }
      break;
    case 5: /* read_input */
      if (wire == 2) {
        read_input(fd, d, dl);
      }
      break;
    case 6: /* held_start */
      if (wire == 2) {
        start_held(fd, h, d, dl);
      }
      break;
    case 7: /* held_go */
      if (v) {
        char report[1024];
        held_go(h, report, sizeof report);
        struct wbuf what = {0};
        wbuf_bytes(&what, 3, report, strlen(report));
        reply(fd, &what);
        wbuf_free(&what);
      } else {
        held_abort(h);
      }
      break;
    case 8: /* wait_helper */
      close(fd);
      exit(held_wait(h));
    default:
      break; /* from a newer daemon: ignored */
    }
  }
  if (r < 0) {
    die(13, "lmctfyd sent a malformed event");
  }
}

int main(int argc, char **argv) {
  find_home();
  if (read_own_options(argc, argv)) {
    java_cli(argv);
  }
  int fd = connect_daemon();
  if (fd < 0) {
    java_cli(argv); /* no daemon: embedded (the Java CLI says why when it cannot connect either) */
  }
  static uint8_t cli_space[8192], req_space[8192 + 16];
  struct wbuf cli = WBUF_ON(cli_space), req = WBUF_ON(req_space);
  for (int i = 1; i < argc; i++) {
    wbuf_bytes(&cli, 1, argv[i], strlen(argv[i]));
  }
  wbuf_uint(&cli, 3, (uint64_t)getpid());
  struct winsize ws;
  if (ioctl(1, TIOCGWINSZ, &ws) == 0) {
    wbuf_uint(&cli, 4, ws.ws_col);
  }
  char helper[PATH_MAX + 32];
  snprintf(helper, sizeof helper, "%s/libexec/lmctfy-exec", home);
  wbuf_uint(&cli, 5, access(helper, X_OK) == 0);
  wbuf_uint(&req, 1, REQUEST_ID);
  wbuf_bytes(&req, 28, cli.p, cli.len);
  wbuf_free(&cli);
  send_or_die(fd, &req);

  struct held h = {.conn = -1};
  int first = 1;
  static struct rstream in;
  in.fd = fd;
  for (;;) {
    const uint8_t *frame;
    uint8_t *big;
    size_t len;
    int r = rstream_next(&in, &frame, &len, &big);
    if (r <= 0) {
      die(14, "lmctfyd at %s went away before the command ended%s%s", socket_path, r < 0 ? ": " : "",
          r < 0 ? strerror(errno) : "");
    }
    struct rbuf b = {frame, frame + len};
    uint32_t field;
    int wire;
    uint64_t v, code = 0;
    const uint8_t *d, *message = NULL, *event = NULL;
    size_t dl, message_len = 0, event_len = 0;
    while ((r = rbuf_next(&b, &field, &wire, &v, &d, &dl)) > 0) {
      if (field == 2 && wire == 0) {
        code = v;
      } else if (field == 3 && wire == 2) {
        message = d;
        message_len = dl;
      } else if (field == 18 && wire == 2) {
        event = d;
        event_len = dl;
      }
    }
    if (r < 0) {
      die(13, "lmctfyd sent a malformed response");
    }
    if (code != 0) {
      /* A daemon from before command lines does not know the request: the Java CLI talks to it. */
      if (first && code == 3 && message && memmem(message, message_len, "names no call", 13)) {
        close(fd);
        java_cli(argv);
      }
      die((int)code, "%.*s", (int)message_len, message ? (const char *)message : "");
    }
    first = 0;
    if (event) {
      on_event(fd, &h, event, event_len);
    }
    free(big);
  }
}

/*
 * lmctfy-nsinit: PID 1 of a virtual host's pid namespace (DESIGN §3a), started by
 *   lmctfy-exec --unshare pid,... --detach -- <libexec>/lmctfy-nsinit
 * It keeps the virtual host's namespaces alive and does what the kernel asks of an init:
 *   - reaps every child, the orphans the kernel re-parents to it included, so that no zombie stays;
 *   - on SIGTERM or SIGINT, forwards the signal to every other process of its pid namespace (kill(-1, sig))
 *     and keeps running;
 *   - ignores every other signal (all are blocked and taken with sigwaitinfo, so none stays pending);
 *   - never exits on its own: destroy ends it with SIGKILL, which ends every process of the namespace
 *     (pid_namespaces(7)).
 * Idle, it sleeps in sigwaitinfo. A signal sent to a namespace's init from inside or from an ancestor
 * namespace is dropped unless the init handles it — or blocks it: blocked signals are always queued (kernel
 * signal.c, sig_ignored()), which is how this init receives SIGTERM without installing a handler.
 *
 * usage: lmctfy-nsinit   (no arguments; refuses to run unless it is PID 1, where kill(-1) would signal
 *                         every process of the machine)
 * Exit status 2 on a usage error, 1 if waiting for signals fails; never otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void complain(const char *what) {
  fprintf(stderr, "lmctfy-nsinit: %s: %s\n", what, strerror(errno));
}

int main(int argc, char **argv) {
  (void)argv;
  if (argc != 1 || getpid() != 1) {
    fprintf(stderr, "lmctfy-nsinit: takes no arguments and runs only as PID 1 of a new pid namespace"
            " (lmctfy-exec --unshare pid)\n");
    return 2;
  }
  sigset_t all;
  if (sigfillset(&all) < 0 || sigprocmask(SIG_BLOCK, &all, NULL) < 0) {
    complain("blocking signals");
    return 1;
  }
  if (chdir("/") < 0) { /* keep no directory of the caller's busy */
    complain("chdir /");
    return 1;
  }
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) {
      if (errno == EINTR) {
        continue;
      }
      complain("sigwaitinfo"); /* cannot happen with a valid set; an init that cannot wait would spin */
      return 1;
    }
    if (sig == SIGCHLD) {
      /* SIGCHLD does not queue: one may stand for many exits. (Were SIGCHLD ignored, inherited so, the
       * kernel would reap by itself and waitpid say ECHILD: no zombie either way.) */
      while (waitpid(-1, NULL, WNOHANG) > 0) {
      }
    } else if (sig == SIGTERM || sig == SIGINT) {
      if (kill(-1, sig) < 0 && errno != ESRCH) { /* ESRCH: nobody else is left */
        complain("forwarding a signal");
      }
    }
  }
}

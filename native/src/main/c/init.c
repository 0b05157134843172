/*
 * The init of a virtual host (see lmctfy-nsinit.c for what it does): shared by lmctfy-nsinit and by
 * lmctfy-exec --init, which runs it in the process born as PID 1 instead of exec'ing lmctfy-nsinit.
 */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void complain(const char *what) {
  fprintf(stderr, "lmctfy-nsinit: %s: %s\n", what, strerror(errno));
}

int nsinit_prepare(sigset_t *all) {
  if (getpid() != 1) {
    fprintf(stderr, "lmctfy-nsinit: runs only as PID 1 of a new pid namespace (lmctfy-exec --unshare pid)\n");
    return 2;
  }
  if (sigfillset(all) < 0 || sigprocmask(SIG_BLOCK, all, NULL) < 0) {
    complain("blocking signals");
    return 1;
  }
  if (chdir("/") < 0) { /* keep no directory of the caller's busy */
    complain("chdir /");
    return 1;
  }
  return 0;
}

void nsinit_signal(int sig) {
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

int nsinit_run(void) {
  sigset_t all;
  int rc = nsinit_prepare(&all);
  if (rc != 0) {
    return rc;
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
    nsinit_signal(sig);
  }
}

/*
 * lmctfy-nsinit: PID 1 of a virtual host's pid namespace (ARCHITECTURE.md § Resources that shape processes), started by
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
 * The loop is init.c's, built into lmctfy-exec too (--init: no exec of this program).
 *
 * usage: lmctfy-nsinit   (no arguments; refuses to run unless it is PID 1, where kill(-1) would signal
 *                         every process of the machine)
 * Exit status 2 on a usage error, 1 if waiting for signals fails; never otherwise.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "init.h"

int main(int argc, char **argv) {
  (void)argv;
  if (argc != 1) {
    fprintf(stderr, "lmctfy-nsinit: takes no arguments and runs only as PID 1 of a new pid namespace"
            " (lmctfy-exec --unshare pid)\n");
    return 2;
  }
  return nsinit_run();
}

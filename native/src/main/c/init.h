/* The virtual host init's loop (init.c). */
#ifndef LMCTFY_INIT_H
#define LMCTFY_INIT_H

#include <signal.h>

/* Runs as PID 1 of a pid namespace until killed; returns 2 when not PID 1, 1 if waiting fails. */
int nsinit_run(void);

/* The init's start: PID 1 checked, every signal blocked (all: the full set), "/" its directory; 0, else the
 * exit code (2: not PID 1; 1: a failure, said on stderr). */
int nsinit_prepare(sigset_t *all);

/* What the init does with a signal: SIGCHLD reaps every exited child, SIGTERM and SIGINT go to every other
 * process of the namespace, the rest are ignored. */
void nsinit_signal(int sig);

#endif

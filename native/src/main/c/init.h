/* The virtual host init's loop (init.c). */
#ifndef LMCTFY_INIT_H
#define LMCTFY_INIT_H

/* Runs as PID 1 of a pid namespace until killed; returns 2 when not PID 1, 1 if waiting fails. */
int nsinit_run(void);

#endif

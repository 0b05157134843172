/*
 * lmctfy-exec --init --spawn <socket>: the virtual host's init also starts the commands of its own container,
 * on requests to <socket> (spawn.c; the caller is the core's ExecHelper).
 */
#ifndef LMCTFY_SPAWN_H
#define LMCTFY_SPAWN_H

/* A Unix socket bound at path (a stale file there replaced), mode 0600; fails the helper otherwise. */
int spawn_bind(const char *path);

/* The init's loop (PID 1): reaps, forwards SIGTERM and SIGINT, and serves spawn requests on listener (on
 * which PID 1 called listen(2) already). */
int spawn_serve(int listener);

#endif

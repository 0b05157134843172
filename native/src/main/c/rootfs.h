/*
 * A virtual host's filesystem (lmctfy's FilesystemSpec.rootfs and .mounts), set up by lmctfy-exec --init in
 * PID 1 of the new pid and mount namespaces: a root filesystem entered with pivot_root(2), with /proc, a
 * minimal /dev and a read-only /sys as runc's default spec has them, and bind mounts. Options come after
 * "--init --" (see lmctfy-exec.c); every function reports a failure through fail().
 */
#ifndef LMCTFY_ROOTFS_H
#define LMCTFY_ROOTFS_H

struct fs_setup;

struct fs_setup *fs_setup_new(void);

/* If argv[i] is a filesystem option, consumes it and its values and returns how many arguments it took;
 * 0 when argv[i] is not one:
 *   --rootfs <dir>                                  the new root (absolute path on the host)
 *   --bind <ro|rw>,<private|slave> <source> <target> a bind mount of the host's <source> on <target>, which
 *                                                    is inside the rootfs when there is one. */
int fs_option(struct fs_setup *s, int argc, char **argv, int i);

/* Whether a root filesystem was given (then /proc is mounted inside it, not on the host's /proc). */
int fs_has_rootfs(const struct fs_setup *s);

/* In PID 1 of the new pid namespace, in the new mount namespace (a recursive slave of the host's): makes
 * the bind mounts and, with a rootfs, mounts /proc, /dev and /sys in it and pivots into it. */
void fs_configure(struct fs_setup *s);

#endif

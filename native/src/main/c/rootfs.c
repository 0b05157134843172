/*
 * A virtual host's filesystem (rootfs.h). In PID 1 of the new pid namespace, in the new mount namespace
 * (already a recursive slave of the host's, namespaces.c), in this order:
 *   1. the rootfs is bind-mounted on itself (pivot_root needs a mount point) and opened;
 *   2. proc on <rootfs>/proc (this pid namespace's), a tmpfs /dev with runc's default devices (null, zero,
 *      full, random, urandom, tty; fd, stdin, stdout, stderr, ptmx links; devpts on /dev/pts, tmpfs on
 *      /dev/shm, mqueue on /dev/mqueue), sysfs read-only on /sys;
 *   3. the bind mounts, in order (so that one may cover a default mount), read-only ones remounted so,
 *      private ones made private;
 *   4. pivot_root(rootfs, rootfs) and the old root detached (runc's way: no directory for the old root is
 *      needed in the rootfs).
 * Every path inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT): a symlink or ".." in the rootfs
 * resolves as if the rootfs were "/", never out of it; the mount is then made on that descriptor
 * (/proc/self/fd/<n>), so the path cannot be swapped between the check and the mount. Missing targets
 * are created the same way (directories; an empty file for a file source), inside the rootfs only.
 * Without a rootfs, bind mounts go on existing host paths, inside the mount namespace only.
 */
#define _GNU_SOURCE
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "report.h"

#define MAX_BINDS 256

struct bind {
  const char *source;
  const char *target;
  int read_only;
  int private_;
};

struct fs_setup {
  const char *rootfs;
  struct bind binds[MAX_BINDS];
  int nbinds;
};

struct fs_setup *fs_setup_new(void) {
  struct fs_setup *s = calloc(1, sizeof *s);
  if (s == NULL) {
    fail(ENOMEM, "filesystem: out of memory");
  }
  return s;
}

int fs_option(struct fs_setup *s, int argc, char **argv, int i) {
  if (strcmp(argv[i], "--rootfs") == 0) {
    if (i + 1 >= argc || argv[i + 1][0] != '/') {
      fail(EINVAL, "arguments: --rootfs needs an absolute directory");
    }
    s->rootfs = argv[i + 1];
    return 2;
  }
  if (strcmp(argv[i], "--bind") == 0) {
    if (i + 3 >= argc) {
      fail(EINVAL, "arguments: --bind needs <ro|rw>,<private|slave> <source> <target>");
    }
    if (s->nbinds == MAX_BINDS) {
      fail(E2BIG, "arguments: more than %d bind mounts", MAX_BINDS);
    }
    struct bind *b = &s->binds[s->nbinds];
    const char *flags = argv[i + 1];
    if (strcmp(flags, "ro,private") == 0 || strcmp(flags, "ro,slave") == 0) {
      b->read_only = 1;
    } else if (strcmp(flags, "rw,private") != 0 && strcmp(flags, "rw,slave") != 0) {
      fail(EINVAL, "arguments: --bind %s: not <ro|rw>,<private|slave>", flags);
    }
    b->private_ = strstr(flags, "private") != NULL;
    b->source = argv[i + 2];
    b->target = argv[i + 3];
    if (b->source[0] != '/' || b->target[0] != '/') {
      fail(EINVAL, "arguments: --bind %s %s: paths must be absolute", b->source, b->target);
    }
    s->nbinds++;
    return 4;
  }
  return 0;
}

int fs_has_rootfs(const struct fs_setup *s) {
  return s->rootfs != NULL;
}

/* openat2 with RESOLVE_IN_ROOT: `path` resolved inside the directory `root`, never out of it. */
static int open_in_root(int root, const char *path, int flags) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (unsigned long long)(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return (int)syscall(SYS_openat2, root, path, &how, sizeof how);
}

/*
 * Opens `path` inside `root` (O_PATH), creating what is missing: directories, and the last component as a
 * directory or (file != 0) an empty file. Each component is resolved inside the root.
 */
static int make_in_root(int root, const char *path, int file) {
  int fd = open_in_root(root, path, O_PATH);
  if (fd >= 0 || errno != ENOENT) {
    return fd;
  }
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int dir = open_in_root(root, "/", O_PATH | O_DIRECTORY);
  if (dir < 0) {
    return -1;
  }
  char *save = NULL;
  char *part = strtok_r(buf, "/", &save);
  while (part != NULL) {
    char *next = strtok_r(NULL, "/", &save);
    /* resolved relative to dir, still inside the root: openat2 with dir as the start and root as root is not
     * possible, so resolve the prefix so far from the root again */
    size_t len = (size_t)(part - buf) + strlen(part);
    char prefix[4096];
    memcpy(prefix, path, len);
    prefix[len] = '\0';
    int fd2 = open_in_root(root, prefix, O_PATH);
    if (fd2 < 0 && errno == ENOENT) {
      int made = (next == NULL && file) ? mknodat(dir, part, S_IFREG | 0644, 0) : mkdirat(dir, part, 0755);
      if (made < 0 && errno != EEXIST) {
        int e = errno;
        close(dir);
        errno = e;
        return -1;
      }
      fd2 = open_in_root(root, prefix, O_PATH);
    }
    if (fd2 < 0) {
      int e = errno;
      close(dir);
      errno = e;
      return -1;
    }
    close(dir);
    dir = fd2;
    part = next;
  }
  return dir;
}

static void fd_path(char *out, size_t size, int fd) {
  snprintf(out, size, "/proc/self/fd/%d", fd);
}

/* Mounts on `target` inside the rootfs (created as a directory if missing). */
static void mount_in_root(int root, const char *target, const char *source, const char *type,
                          unsigned long flags, const char *data) {
  int fd = make_in_root(root, target, 0);
  if (fd < 0) {
    fail(errno, "filesystem: rootfs%s: %s", target, strerror(errno));
  }
  char where[64];
  fd_path(where, sizeof where, fd);
  if (mount(source, where, type, flags, data) < 0) {
    fail(errno, "filesystem: mount %s on rootfs%s: %s", type, target, strerror(errno));
  }
  close(fd);
}

static void device_in_root(int root, const char *name, unsigned int major_, unsigned int minor_) {
  int dev = open_in_root(root, "/dev", O_PATH | O_DIRECTORY);
  if (dev < 0) {
    fail(errno, "filesystem: rootfs/dev: %s", strerror(errno));
  }
  if (mknodat(dev, name, S_IFCHR | 0666, makedev(major_, minor_)) < 0) {
    fail(errno, "filesystem: mknod rootfs/dev/%s: %s", name, strerror(errno));
  }
  if (fchmodat(dev, name, 0666, 0) < 0) { /* the umask applied to mknod */
    fail(errno, "filesystem: chmod rootfs/dev/%s: %s", name, strerror(errno));
  }
  close(dev);
}

static void link_in_root(int root, const char *to, const char *name) {
  int dev = open_in_root(root, "/dev", O_PATH | O_DIRECTORY);
  if (dev < 0 || symlinkat(to, dev, name) < 0) {
    fail(errno, "filesystem: symlink rootfs/dev/%s: %s", name, strerror(errno));
  }
  close(dev);
}

/* runc's default /proc, /dev and /sys (its libcontainer/specconv defaults). */
static void default_mounts(int root) {
  mount_in_root(root, "/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  mount_in_root(root, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
  device_in_root(root, "null", 1, 3);
  device_in_root(root, "zero", 1, 5);
  device_in_root(root, "full", 1, 7);
  device_in_root(root, "random", 1, 8);
  device_in_root(root, "urandom", 1, 9);
  device_in_root(root, "tty", 5, 0);
  link_in_root(root, "/proc/self/fd", "fd");
  link_in_root(root, "/proc/self/fd/0", "stdin");
  link_in_root(root, "/proc/self/fd/1", "stdout");
  link_in_root(root, "/proc/self/fd/2", "stderr");
  link_in_root(root, "pts/ptmx", "ptmx");
  mount_in_root(root, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
                "newinstance,ptmxmode=0666,mode=0620");
  mount_in_root(root, "/dev/shm", "shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k");
  mount_in_root(root, "/dev/mqueue", "mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
  mount_in_root(root, "/sys", "sysfs", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
}

static void bind_mount(int root, const struct bind *b) {
  int src = open(b->source, O_PATH | O_CLOEXEC);
  if (src < 0) {
    fail(errno, "filesystem: bind source %s: %s", b->source, strerror(errno));
  }
  struct stat st;
  if (fstat(src, &st) < 0) {
    fail(errno, "filesystem: bind source %s: %s", b->source, strerror(errno));
  }
  int dst;
  if (root >= 0) {
    dst = make_in_root(root, b->target, !S_ISDIR(st.st_mode));
  } else {
    dst = open(b->target, O_PATH | O_CLOEXEC);
  }
  if (dst < 0) {
    fail(errno, "filesystem: bind target %s: %s", b->target, strerror(errno));
  }
  char from[64];
  char to[64];
  fd_path(from, sizeof from, src);
  fd_path(to, sizeof to, dst);
  if (mount(from, to, NULL, MS_BIND | MS_REC, NULL) < 0) {
    fail(errno, "filesystem: bind %s on %s: %s", b->source, b->target, strerror(errno));
  }
  close(dst);
  /* the descriptor was the covered directory: reopen the target to reach the new mount */
  dst = root >= 0 ? open_in_root(root, b->target, O_PATH) : open(b->target, O_PATH | O_CLOEXEC);
  if (dst < 0) {
    fail(errno, "filesystem: bind target %s: %s", b->target, strerror(errno));
  }
  fd_path(to, sizeof to, dst);
  if (b->read_only) {
    /* Only this mount becomes read-only, not mounts below it in the source (MS_REC binds them too). */
    if (mount(NULL, to, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0) {
      fail(errno, "filesystem: remount %s read-only: %s", b->target, strerror(errno));
    }
  }
  if (mount(NULL, to, NULL, (b->private_ ? MS_PRIVATE : MS_SLAVE) | MS_REC, NULL) < 0) {
    fail(errno, "filesystem: propagation of %s: %s", b->target, strerror(errno));
  }
  close(dst);
  close(src);
}

void fs_configure(struct fs_setup *s) {
  if (s->rootfs == NULL) {
    for (int i = 0; i < s->nbinds; i++) {
      bind_mount(-1, &s->binds[i]);
    }
    return;
  }
  if (mount(s->rootfs, s->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) {
    fail(errno, "filesystem: bind rootfs %s: %s", s->rootfs, strerror(errno));
  }
  int root = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) {
    fail(errno, "filesystem: rootfs %s: %s", s->rootfs, strerror(errno));
  }
  default_mounts(root);
  for (int i = 0; i < s->nbinds; i++) {
    bind_mount(root, &s->binds[i]);
  }
  if (fchdir(root) < 0) {
    fail(errno, "filesystem: chdir rootfs %s: %s", s->rootfs, strerror(errno));
  }
  /* pivot_root(".", "."): the old root is stacked under the new one, then detached (runc's pivotRoot) */
  if (syscall(SYS_pivot_root, ".", ".") < 0) {
    fail(errno, "filesystem: pivot_root into %s: %s%s", s->rootfs, strerror(errno),
         errno == EINVAL ? " (is the host's root an initramfs? pivot_root cannot leave it, and lmctfy does not"
                           " fall back to chroot: processes that join the virtual host later would see the"
                           " host's root)"
                         : "");
  }
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) {
    fail(errno, "filesystem: old root: %s", strerror(errno));
  }
  if (umount2(".", MNT_DETACH) < 0) {
    fail(errno, "filesystem: detaching the old root: %s", strerror(errno));
  }
  if (chdir("/") < 0) {
    fail(errno, "filesystem: chdir /: %s", strerror(errno));
  }
  close(root);
}

/*
 * The physical floor of a virtual host's life: create its cgroup; clone its init with new pid, ipc and mount
 * namespaces (the init makes / a recursive slave, mounts a fresh /proc, then waits); run one command in it
 * (fork; the child joins the init's ipc, pid and mnt namespaces with setns, forks again to be born in the pid
 * namespace, and the grandchild execs the command; wait for both); kill the init, wait, remove the cgroup.
 * With a rootfs, a small machine (issue 13): uts and network namespaces too; the init also sets the hostname,
 * brings lo up, bind-mounts the rootfs on itself, mounts proc, a tmpfs /dev with the six standard devices and
 * five links, devpts, shm, mqueue and a read-only sysfs in it (what lmctfy and runc set up) and pivots into
 * it; the command joins ipc, uts, net, pid and mnt.
 * usage: vhost_floor <iterations> <command> <cgroup-parent-dir> [<rootfs>]
 * Prints the mean microseconds per create + run + destroy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void write_pid(const char *dir, pid_t pid) {
  char path[4096], buf[32];
  snprintf(path, sizeof path, "%s/cgroup.procs", dir);
  int len = snprintf(buf, sizeof buf, "%d", (int)pid);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, buf, (size_t)len) != len) {
    perror(path);
    _exit(126);
  }
  close(fd);
}

static void must(int ok, const char *what) {
  if (!ok) {
    perror(what);
    _exit(125);
  }
}

static void in_root(const char *root, const char *rel, char *out, size_t size) {
  snprintf(out, size, "%s%s", root, rel);
}

static void setup_init(const char *rootfs) {
  char p[4096];
  must(mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) == 0, "rslave");
  must(sethostname("machine", 7) == 0, "sethostname");
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq r;
  memset(&r, 0, sizeof r);
  strcpy(r.ifr_name, "lo");
  must(s >= 0 && ioctl(s, SIOCGIFFLAGS, &r) == 0, "lo");
  r.ifr_flags |= IFF_UP;
  must(ioctl(s, SIOCSIFFLAGS, &r) == 0, "lo up");
  close(s);
  must(mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) == 0, "bind rootfs");
  in_root(rootfs, "/proc", p, sizeof p);
  must(mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0, "proc");
  in_root(rootfs, "/dev", p, sizeof p);
  must(mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") == 0, "dev");
  const char *names[] = {"null", "zero", "full", "random", "urandom", "tty"};
  unsigned int majors[] = {1, 1, 1, 1, 1, 5}, minors[] = {3, 5, 7, 8, 9, 0};
  for (int i = 0; i < 6; i++) {
    char d[4096];
    snprintf(d, sizeof d, "%s/dev/%s", rootfs, names[i]);
    must(mknod(d, S_IFCHR | 0666, makedev(majors[i], minors[i])) == 0 && chmod(d, 0666) == 0, d);
  }
  const char *links[][2] = {{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
                            {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"}};
  for (int i = 0; i < 5; i++) {
    char d[4096];
    snprintf(d, sizeof d, "%s/dev/%s", rootfs, links[i][1]);
    must(symlink(links[i][0], d) == 0, d);
  }
  const char *dirs[] = {"/dev/pts", "/dev/shm", "/dev/mqueue"};
  for (int i = 0; i < 3; i++) {
    in_root(rootfs, dirs[i], p, sizeof p);
    must(mkdir(p, 0755) == 0, p);
  }
  in_root(rootfs, "/dev/pts", p, sizeof p);
  must(mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") == 0, "devpts");
  in_root(rootfs, "/dev/shm", p, sizeof p);
  must(mount("shm", p, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k") == 0, "shm");
  in_root(rootfs, "/dev/mqueue", p, sizeof p);
  must(mount("mqueue", p, "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) == 0, "mqueue");
  in_root(rootfs, "/sys", p, sizeof p);
  must(mount("sysfs", p, "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL) == 0, "sysfs");
  must(chdir(rootfs) == 0, "chdir rootfs");
  must(syscall(SYS_pivot_root, ".", ".") == 0, "pivot_root");
  must(mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) == 0, "old root slave");
  must(umount2(".", MNT_DETACH) == 0, "umount old root");
  must(chdir("/") == 0, "chdir /");
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: %s <iterations> <command> <cgroup-parent-dir> [<rootfs>]\n", argv[0]);
    return 2;
  }
  const char *rootfs = argc == 5 ? argv[4] : NULL;
  int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | (rootfs != NULL ? CLONE_NEWUTS | CLONE_NEWNET : 0);
  /* joined in the kernel's order; the machine's uts and net too */
  const char *types[] = {"ipc", "uts", "net", "pid", "mnt"};
  int ntypes = rootfs != NULL ? 5 : 3;
  const char *plain[] = {"ipc", "pid", "mnt"};
  const char **join = rootfs != NULL ? types : plain;
  long iterations = strtol(argv[1], NULL, 10);
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/vh", argv[3]);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long it = 0; it < iterations; it++) {
    if (mkdir(dir, 0755) < 0) {
      perror(dir);
      return 1;
    }
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0) {
      perror("pipe");
      return 1;
    }
    pid_t init = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL);
    if (init < 0) {
      perror("clone");
      return 1;
    }
    if (init == 0) {
      write_pid(dir, getpid());
      if (rootfs != NULL) {
        setup_init(rootfs);
      } else if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 || mount("proc", "/proc", "proc", 0, NULL) < 0) {
        _exit(125);
      }
      if (write(ready[1], "r", 1) != 1) {
        _exit(124);
      }
      for (;;) {
        pause();
      }
    }
    close(ready[1]);
    char r;
    if (read(ready[0], &r, 1) != 1) {
      fprintf(stderr, "init failed\n");
      return 1;
    }
    close(ready[0]);
    pid_t child = fork();
    if (child == 0) {
      write_pid(dir, getpid());
      int fds[5];
      char path[64];
      for (int i = 0; i < ntypes; i++) {
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)init, join[i]);
        fds[i] = open(path, O_RDONLY | O_CLOEXEC);
      }
      for (int i = 0; i < ntypes; i++) {
        if (fds[i] < 0 || setns(fds[i], 0) < 0) {
          _exit(123);
        }
        close(fds[i]);
      }
      pid_t grandchild = fork();
      if (grandchild == 0) {
        char *args[] = {argv[2], NULL};
        execv(argv[2], args);
        _exit(127);
      }
      int st;
      waitpid(grandchild, &st, 0);
      _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
    }
    int status;
    if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "run failed (%d)\n", status);
      return 1;
    }
    kill(init, SIGKILL);
    waitpid(init, &status, 0);
    while (rmdir(dir) < 0) {
      /* EBUSY while the killed init leaves the cgroup */
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / iterations);
  return 0;
}

/*
 * The physical floor of a virtual host's life: create its cgroup; clone its init with new pid, ipc and mount
 * namespaces (the init makes / a recursive slave, mounts a fresh /proc, then waits); run one command in it
 * (fork; the child joins the init's ipc, pid and mnt namespaces with setns, forks again to be born in the pid
 * namespace, and the grandchild execs the command; wait for both); kill the init, wait, remove the cgroup.
 * usage: vhost_floor <iterations> <command> <cgroup-parent-dir>
 * Prints the mean microseconds per create + run + destroy.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <iterations> <command> <cgroup-parent-dir>\n", argv[0]);
    return 2;
  }
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
    pid_t init = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | SIGCHLD, NULL);
    if (init < 0) {
      perror("clone");
      return 1;
    }
    if (init == 0) {
      write_pid(dir, getpid());
      if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 || mount("proc", "/proc", "proc", 0, NULL) < 0) {
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
      const char *types[] = {"ipc", "pid", "mnt"};
      int fds[3];
      char path[64];
      for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)init, types[i]);
        fds[i] = open(path, O_RDONLY | O_CLOEXEC);
      }
      for (int i = 0; i < 3; i++) {
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

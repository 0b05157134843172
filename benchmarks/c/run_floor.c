/*
 * The physical floor of run(): fork; the child writes its pid into each cgroup's cgroup.procs and execs
 * the command; the parent waits. usage: run_floor <iterations> <command> <cgroup-dir>...
 * Prints the mean microseconds per spawn + wait.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s <iterations> <command> <cgroup-dir>...\n", argv[0]);
    return 2;
  }
  long iterations = strtol(argv[1], NULL, 10);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long it = 0; it < iterations; it++) {
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 1;
    }
    if (pid == 0) {
      char buf[32], path[4096];
      int len = snprintf(buf, sizeof buf, "%d", (int)getpid());
      for (int i = 3; i < argc; i++) {
        snprintf(path, sizeof path, "%s/cgroup.procs", argv[i]);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, buf, (size_t)len) != len) {
          _exit(126);
        }
        close(fd);
      }
      char *args[] = {argv[2], NULL};
      execv(argv[2], args);
      _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "child failed (%d)\n", status);
      return 1;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / iterations);
  return 0;
}

/*
 * The physical floor of create+destroy: exactly the cgroupfs calls lmctfy makes for a container isolating
 * cpu, memory, cpuset, blkio/io and freezer, with no bookkeeping at all. Each resource is a mkdir (v1) and
 * the same file writes; destroy is the rmdirs in reverse. Prints the mean microseconds per create+destroy.
 *
 * usage: create_destroy_floor <iterations> <tracking-dir> [<dir> [<file>=<value> ...] --]...
 *   e.g. create_destroy_floor 2000 /sys/fs/cgroup/unified/R/b /sys/fs/cgroup/cpu/R/b cpu.shares=512 -- ...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_DIRS 16
#define MAX_WRITES 8

struct cg {
  const char *dir;
  int own; /* 0 when an earlier entry names the same cgroup (cgroup2: resources share the container's) */
  int nwrites;
  const char *file[MAX_WRITES];
  const char *value[MAX_WRITES];
};

static void die(const char *what, const char *path) {
  fprintf(stderr, "%s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

static void write_value(const char *dir, const char *file, const char *value) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die("open", path);
  if (write(fd, value, strlen(value)) != (ssize_t)strlen(value)) die("write", path);
  close(fd);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s <iterations> <tracking-dir> [<dir> [file=value ...] --]...\n", argv[0]);
    return 2;
  }
  long iterations = strtol(argv[1], NULL, 10);
  struct cg cgs[MAX_DIRS];
  int n = 0;
  cgs[n].dir = argv[2];
  cgs[n++].nwrites = 0;
  for (int i = 3; i < argc && n < MAX_DIRS; i++) {
    cgs[n].dir = argv[i];
    cgs[n].nwrites = 0;
    for (i++; i < argc && strcmp(argv[i], "--") != 0; i++) {
      char *eq = strchr(argv[i], '=');
      if (!eq || cgs[n].nwrites == MAX_WRITES) {
        fprintf(stderr, "bad write %s\n", argv[i]);
        return 2;
      }
      *eq = '\0';
      cgs[n].file[cgs[n].nwrites] = argv[i];
      cgs[n].value[cgs[n].nwrites++] = eq + 1;
    }
    n++;
  }
  for (int i = 0; i < n; i++) {
    cgs[i].own = 1;
    for (int j = 0; j < i; j++) {
      if (strcmp(cgs[i].dir, cgs[j].dir) == 0) cgs[i].own = 0;
    }
  }
  struct timespec a, b, m0, m1;
  double create_ns = 0;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long it = 0; it < iterations; it++) {
    clock_gettime(CLOCK_MONOTONIC, &m0);
    for (int i = 0; i < n; i++) {
      if (cgs[i].own && mkdir(cgs[i].dir, 0755) != 0) die("mkdir", cgs[i].dir);
      for (int w = 0; w < cgs[i].nwrites; w++) write_value(cgs[i].dir, cgs[i].file[w], cgs[i].value[w]);
    }
    clock_gettime(CLOCK_MONOTONIC, &m1);
    create_ns += (m1.tv_sec - m0.tv_sec) * 1e9 + (m1.tv_nsec - m0.tv_nsec);
    for (int i = n - 1; i >= 0; i--) {
      if (cgs[i].own && rmdir(cgs[i].dir) != 0) die("rmdir", cgs[i].dir);
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / iterations;
  printf("%.1f\n", us);
  fprintf(stderr, "create %.1f us, destroy %.1f us\n", create_ns / 1e3 / iterations,
          us - create_ns / 1e3 / iterations);
  return 0;
}

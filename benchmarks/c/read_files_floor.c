/*
 * The physical floor of stats(): open, read and close each control file, nothing else.
 * usage: read_files_floor <iterations> <file>...   prints the mean microseconds per pass over all files.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s <iterations> <file>...\n", argv[0]);
    return 2;
  }
  long iterations = strtol(argv[1], NULL, 10);
  static char buf[65536];
  long bytes = 0;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long it = 0; it < iterations; it++) {
    for (int i = 2; i < argc; i++) {
      int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        perror(argv[i]);
        return 1;
      }
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf)) > 0) bytes += n;
      close(fd);
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / iterations);
  return bytes < 0;
}

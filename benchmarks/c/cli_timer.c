/*
 * Times command lines as a shell would run them (fork, execvp, wait), without a shell's own cost.
 * usage: cli_timer <runs> [T|U] <command> [args...] [--- [T|U] <command> [args...]]...
 * Each run executes every command in order; the times of the T (timed) ones are summed, U (untimed) ones
 * only prepare or undo. "%i" in an argument becomes the run's number (1, 2, ...). stdout and stderr go to
 * /dev/null; any command failing ends the program (exit 1, naming it). Prints the median microseconds.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

/* argv with every %i replaced (the caller exits soon: nothing is freed). */
static char **expand(char **argv, int argc, long run) {
  char **out = calloc((size_t)argc + 1, sizeof *out);
  for (int i = 0; i < argc; i++) {
    size_t len = strlen(argv[i]) * 12 + 1;
    char *o = out[i] = malloc(len);
    for (const char *p = argv[i]; *p;) {
      if (p[0] == '%' && p[1] == 'i') {
        o += sprintf(o, "%ld", run);
        p += 2;
      } else {
        *o++ = *p++;
      }
    }
    *o = 0;
  }
  return out;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s <runs> [T|U] <command> [args...] [--- ...]\n", argv[0]);
    return 2;
  }
  long runs = strtol(argv[1], NULL, 10);
  long *times = calloc((size_t)runs, sizeof *times);
  int null = open("/dev/null", O_WRONLY);
  for (long run = 1; run <= runs; run++) {
    long total = 0;
    for (int at = 2; at < argc;) {
      int timed = strcmp(argv[at], "T") == 0;
      int end = at + 1;
      while (end < argc && strcmp(argv[end], "---") != 0) {
        end++;
      }
      char **cmd = expand(argv + at + 1, end - at - 1, run);
      struct timespec a, b;
      clock_gettime(CLOCK_MONOTONIC, &a);
      pid_t pid = fork();
      if (pid == 0) {
        dup2(null, 1);
        dup2(null, 2);
        execvp(cmd[0], cmd);
        _exit(127);
      }
      int st;
      waitpid(pid, &st, 0);
      clock_gettime(CLOCK_MONOTONIC, &b);
      if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "cli_timer: run %ld: %s %s ... failed (status %d)\n", run, cmd[0], cmd[1] ? cmd[1] : "", st);
        return 1;
      }
      if (timed) {
        total += (b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000;
      }
      at = end + 1;
    }
    times[run - 1] = total;
  }
  qsort(times, (size_t)runs, sizeof *times, cmp);
  printf("%ld\n", runs % 2 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2);
  return 0;
}

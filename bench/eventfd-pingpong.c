/* C baseline for the doorbell round trip (bench/ivshmem.ts): two processes, two eventfds,
 * blocking read + write ping-pong, no server, no event loop. Prints the median round trip in ns.
 * usage: eventfd-pingpong ROUNDS WARMUP */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}
static int cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 10000, warm = argc > 2 ? atoi(argv[2]) : 200;
  int ping = eventfd(0, EFD_CLOEXEC), pong = eventfd(0, EFD_CLOEXEC);
  uint64_t one = 1, v;
  pid_t pid = fork();
  if (pid == 0) {
    for (int i = 0; i < rounds + warm; i++) {
      if (read(ping, &v, 8) != 8 || write(pong, &one, 8) != 8) _exit(1);
    }
    _exit(0);
  }
  uint64_t *rt = malloc(sizeof *rt * (size_t)rounds);
  for (int i = 0; i < rounds + warm; i++) {
    uint64_t t0 = now_ns();
    if (write(ping, &one, 8) != 8 || read(pong, &v, 8) != 8) return 1;
    if (i >= warm) rt[i - warm] = now_ns() - t0;
  }
  waitpid(pid, NULL, 0);
  qsort(rt, (size_t)rounds, sizeof *rt, cmp);
  printf("%llu\n", (unsigned long long)rt[rounds / 2]);
  return 0;
}

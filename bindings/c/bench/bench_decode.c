/*
 * Decoding the 50-charge charges/list response through the C API from a C program:
 * crmnf_charges_decode, then crmnf_charges_free, as a billing system does it. bench/compare.sh sets
 * it against the Rust core (examples/bench_decode.rs).
 *
 * usage: bench_decode FILE [ROUNDS [ITERATIONS]]
 * prints: c_api_ns_per_decode <best round's ns per decode>
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "crmnf.h"

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE [ROUNDS [ITERATIONS]]\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  static unsigned char body[1 << 20];
  size_t len = fread(body, 1, sizeof body, f);
  fclose(f);
  int rounds = argc > 2 ? atoi(argv[2]) : 60;
  int iterations = argc > 3 ? atoi(argv[3]) : 100;

  double best = 1e300;
  for (int r = 0; r <= rounds; r++) { /* round 0 warms up */
    size_t count = 0;
    double start = now_ns();
    for (int i = 0; i < iterations; i++) {
      crmnf_charges *charges = NULL;
      if (crmnf_charges_decode(body, len, NULL, &charges, NULL) != CRMNF_OK) {
        fprintf(stderr, "decode failed\n");
        return 1;
      }
      count += crmnf_charges_count(charges);
      crmnf_charges_free(charges);
    }
    double per = (now_ns() - start) / iterations;
    if (count != (size_t)iterations * 50) {
      fprintf(stderr, "expected 50 charges per decode\n");
      return 1;
    }
    if (r > 0 && per < best) {
      best = per;
    }
  }
  printf("c_api_ns_per_decode %.0f\n", best);
  return 0;
}

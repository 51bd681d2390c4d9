/*
 * c-loop: the optimizer steps of bench/optim.ts as plain C loops, the machine's ceiling for them.
 * Built at bench time: gcc -O3 -march=native -fno-math-errno [-fopenmp] adamw.c -o adamw -lm
 *
 *   adamw KIND N STEPS LR B1 B2 EPS WD RESERVE_P
 *     KIND is adamw (torch.optim.AdamW) or ctf (ChildTuning-AdamW mode F, Hugging Face flavour).
 *
 * Then reads commands, one per line, from stdin and answers each with one JSON line on stdout:
 *   load PATH    read p, g, m, v (N float32 each, in that order) as the start state   -> {"ok":true}
 *   reset RP     copy the start state in, step counter 0, reserve_p = RP              -> {"ok":true}
 *   run          run STEPS steps, timed here with CLOCK_MONOTONIC                      -> {"ms":...,"steps":STEPS}
 *   dump PATH    write p, m, v (N float32 each)                                       -> {"ok":true}
 *   quit
 * The parent interleaves `run` with the other implementations' samples and uses the times printed here.
 *
 * The ctf mask uses graft's counter hash (src/dsl/counter-hash.ts): two rounds of (xor the key, lowbias32) over the
 * element index, the top 24 bits against reserve_p; the same integer work per element as graft's kernels, so the loop
 * vectorises and splits across OpenMP threads. Its per-step keys differ from graft's (derived here), so the bits do.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static long n;
static float *p, *g, *m, *v, *p0, *m0, *v0;
static float lr, b1, b2, eps, wd, reserve_p;
static long t;

static void adamw_step(void) {
  t++;
  const float decay = (float)(1.0 - (double)lr * wd);
  const float a = (float)(lr / (1.0 - pow(b1, (double)t)));
  const float ib2 = (float)(1.0 / (1.0 - pow(b2, (double)t)));
  const float c1 = 1.0f - b1, c2 = 1.0f - b2;
  float *restrict P = p, *restrict M = m, *restrict V = v;
  const float *restrict G = g;
#pragma omp parallel for simd schedule(static)
  for (long i = 0; i < n; i++) {
    const float gi = G[i];
    const float mi = b1 * M[i] + c1 * gi;
    const float vi = b2 * V[i] + c2 * gi * gi;
    M[i] = mi;
    V[i] = vi;
    P[i] = P[i] * decay - a * mi / (sqrtf(vi * ib2) + eps);
  }
}

static inline uint32_t lowbias32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

static void ctf_step(void) {
  t++;
  const float step_size = (float)(lr * sqrt(1.0 - pow(b2, (double)t)) / (1.0 - pow(b1, (double)t)));
  const float decay = (float)(1.0 - (double)lr * wd);
  const float inv = 1.0f / reserve_p, keep = reserve_p;
  const float c1 = 1.0f - b1, c2 = 1.0f - b2;
  const uint32_t key = lowbias32((uint32_t)t * 0x9e3779b9U ^ 0x2545f491U) >> 8; /* a 24-bit key, as graft's */
  float *restrict P = p, *restrict M = m, *restrict V = v;
  const float *restrict G = g;
#pragma omp parallel for simd schedule(static)
  for (long i = 0; i < n; i++) {
    /* a uniform in [0, 1) from the top 24 bits; keep when below reserve_p (always at reserve_p = 1) */
    const float u = (float)(int32_t)(lowbias32(lowbias32((uint32_t)i ^ key) ^ key) >> 8) * 0x1p-24f;
    const float gi = G[i] * (u < keep ? inv : 0.0f); /* a select, not a branch: the loop vectorises */
    const float mi = b1 * M[i] + c1 * gi;
    const float vi = b2 * V[i] + c2 * gi * gi;
    M[i] = mi;
    V[i] = vi;
    const float pi = P[i] - step_size * mi / (sqrtf(vi) + eps);
    P[i] = pi * decay;
  }
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static float *alloc(void) {
  float *a = aligned_alloc(64, ((size_t)n * sizeof(float) + 63) / 64 * 64);
  if (!a) {
    fprintf(stderr, "adamw: out of memory\n");
    exit(1);
  }
  return a;
}

/* First-touch each array from the threads that will use it (matters on multi-socket machines; harmless here). */
static void touch(float *a) {
#pragma omp parallel for schedule(static)
  for (long i = 0; i < n; i++) a[i] = 0.0f;
}

static int io(const char *path, const char *mode, float **arrays, int count) {
  FILE *f = fopen(path, mode);
  if (!f) return 0;
  int ok = 1;
  for (int k = 0; k < count && ok; k++)
    ok = (mode[0] == 'r' ? fread(arrays[k], sizeof(float), (size_t)n, f) : fwrite(arrays[k], sizeof(float), (size_t)n, f)) == (size_t)n;
  return fclose(f) == 0 && ok;
}

int main(int argc, char **argv) {
  if (argc != 10) {
    fprintf(stderr, "usage: adamw adamw|ctf N STEPS LR B1 B2 EPS WD RESERVE_P\n");
    return 2;
  }
  const int is_ctf = strcmp(argv[1], "ctf") == 0;
  n = atol(argv[2]);
  const long steps = atol(argv[3]);
  lr = strtof(argv[4], 0), b1 = strtof(argv[5], 0), b2 = strtof(argv[6], 0);
  eps = strtof(argv[7], 0), wd = strtof(argv[8], 0), reserve_p = strtof(argv[9], 0);
  p = alloc(), g = alloc(), m = alloc(), v = alloc(), p0 = alloc(), m0 = alloc(), v0 = alloc();
  touch(p), touch(g), touch(m), touch(v);
  int threads = 1;
#ifdef _OPENMP
  threads = omp_get_max_threads();
#endif
  char line[4096];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    if (strncmp(line, "load ", 5) == 0) {
      float *in[4] = {p0, g, m0, v0};
      int ok = io(line + 5, "rb", in, 4);
      printf(ok ? "{\"ok\":true,\"threads\":%d}\n" : "{\"ok\":false,\"threads\":%d}\n", threads);
    } else if (strncmp(line, "reset ", 6) == 0) {
      reserve_p = strtof(line + 6, 0);
      memcpy(p, p0, (size_t)n * sizeof(float));
      memcpy(m, m0, (size_t)n * sizeof(float));
      memcpy(v, v0, (size_t)n * sizeof(float));
      t = 0;
      printf("{\"ok\":true}\n");
    } else if (strcmp(line, "run") == 0) {
      const double t0 = now_ms();
      for (long s = 0; s < steps; s++) is_ctf ? ctf_step() : adamw_step();
      printf("{\"ms\":%.6f,\"steps\":%ld}\n", now_ms() - t0, steps);
    } else if (strncmp(line, "dump ", 5) == 0) {
      float *out[3] = {p, m, v};
      printf(io(line + 5, "wb", out, 3) ? "{\"ok\":true}\n" : "{\"ok\":false}\n");
    } else if (strcmp(line, "quit") == 0) {
      break;
    } else {
      printf("{\"error\":\"unknown command\"}\n");
    }
    fflush(stdout);
  }
  return 0;
}

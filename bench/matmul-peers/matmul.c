/* C peers of the matmul suite, built by bench/matmul-peers/c-matmul.ts with gcc -O3 -march=native.
 *   matmul BATCH M K N REPS A.bin B.bin C.bin : C = A·B per batch entry (row-major f32, A [M,K], B [K,N]) by a blocked i-k-j loop that gcc
 *       vectorises over j (with FMA where -march=native has it); prints {"best_ms":..,"median_ms":..}, writes C.
 *   peak REPS : 128-bit FMA throughput of one core, 12 independent accumulator chains, best of REPS repetitions of
 *       ~1 ms (as short as graft's samples, so a loaded machine's quiet moments count alike); prints {"gflops":..}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <immintrin.h>

static double clock_ms(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}
static double now_ms(void) { return clock_ms(CLOCK_MONOTONIC); }

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static float *load(const char *path, size_t n) {
  float *p = aligned_alloc(64, (n * 4 + 63) / 64 * 64);
  FILE *f = fopen(path, "rb");
  if (!f || fread(p, 4, n, f) != n) { fprintf(stderr, "cannot read %zu floats from %s\n", n, path); exit(1); }
  fclose(f);
  return p;
}

#define KB 128
#define NB 256

/* c must be zero on entry; k-blocks keep a B panel in L2, j-blocks keep a row of C in L1 */
static void matmul(int m, int k, int n, const float *restrict a, const float *restrict b, float *restrict c) {
  for (int jj = 0; jj < n; jj += NB) {
    int je = jj + NB < n ? jj + NB : n;
    for (int kk = 0; kk < k; kk += KB) {
      int ke = kk + KB < k ? kk + KB : k;
      for (int i = 0; i < m; i++) {
        float *restrict ci = c + (size_t)i * n;
        for (int q = kk; q < ke; q++) {
          float aiq = a[(size_t)i * k + q];
          const float *restrict bq = b + (size_t)q * n;
          for (int j = jj; j < je; j++) ci[j] += aiq * bq[j];
        }
      }
    }
  }
}

/* 12 independent chains of 128-bit fused multiply-adds (mul then add where the CPU has no FMA): one core's ceiling for f32x4 work */
#ifdef __FMA__
#define MADD(a, x, y) _mm_fmadd_ps(a, x, y)
#else
#define MADD(a, x, y) _mm_add_ps(_mm_mul_ps(a, x), y)
#endif
#define CHAINS(F) F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11)

static double peak(int reps) {
  const __m128 x = _mm_set1_ps(0.999999f), y = _mm_set1_ps(1e-7f);
#define DECL(i) __m128 a##i = _mm_set1_ps((float)i);
  CHAINS(DECL)
  const long iters = 500000; /* ~1 ms a repetition: short enough that the best of many finds the core unshared */
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    double t0 = now_ms();
    for (long it = 0; it < iters; it++) {
#define STEP(i) a##i = MADD(a##i, x, y);
      CHAINS(STEP)
    }
    double ms = now_ms() - t0;
    if (ms < best) best = ms;
  }
  float out[4];
  __m128 s = _mm_setzero_ps();
#define SUM(i) s = _mm_add_ps(s, a##i);
  CHAINS(SUM)
  _mm_storeu_ps(out, s);
  fprintf(stderr, "peak checksum %g\n", out[0]);
  return 12.0 * 8 * iters / (best * 1e6);
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "peak")) {
    printf("{\"gflops\":%.3f}\n", peak(atoi(argv[2])));
    return 0;
  }
  if (argc != 10 || strcmp(argv[1], "matmul")) { fprintf(stderr, "usage: matmul BATCH M K N REPS A B C | peak REPS\n"); return 2; }
  int nb = atoi(argv[2]), m = atoi(argv[3]), k = atoi(argv[4]), n = atoi(argv[5]), reps = atoi(argv[6]);
  size_t sa = (size_t)m * k, sb = (size_t)k * n, sc = (size_t)m * n;
  float *a = load(argv[7], nb * sa), *b = load(argv[8], nb * sb);
  float *c = aligned_alloc(64, (nb * sc * 4 + 63) / 64 * 64);
  double *t = malloc(sizeof(double) * reps);
  for (int r = -1; r < reps; r++) { /* r = -1 warms up */
    double t0 = now_ms();
    memset(c, 0, nb * sc * 4);
    for (int bt = 0; bt < nb; bt++) matmul(m, k, n, a + bt * sa, b + bt * sb, c + bt * sc);
    if (r >= 0) t[r] = now_ms() - t0;
  }
  qsort(t, reps, sizeof(double), cmp);
  FILE *f = fopen(argv[9], "wb");
  fwrite(c, 4, nb * sc, f);
  fclose(f);
  printf("{\"best_ms\":%.4f,\"median_ms\":%.4f,\"max_ms\":%.4f}\n", t[0], t[reps / 2], t[reps - 1]);
  return 0;
}

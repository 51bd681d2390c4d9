// The counter-based generator: distribution statistics, bit-identity across backends and the
// float64 interpreter, slice invariance of offsets (including global indices past 2^24), keys.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import * as g from '../../src/dsl/index.js';
import type { Program, Tensor } from '../../src/dsl/index.js';
import { DOMAIN, MAX_KEY, bernoulliThreshold, bitsToUniform, deriveKey, drawBits, uniformAt } from '../../src/dsl/counter-hash.js';
import { boxMuller } from '../../src/dsl/interpret.js';
import { compile } from '../../src/compiler/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import type { Outputs, Runtime } from '../../src/runtime/index.js';
import { referenceBits, referenceUniform } from './reference-hash.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

const build = (decl: Record<string, g.InputDecl>, f: (inputs: Record<string, Tensor>) => Record<string, Tensor>): Program =>
  right(g.program(decl, f));

const run = async (rt: Runtime, prog: Program, feeds: g.Feeds = {}): Promise<Outputs> => {
  const ex = rt.load(compile(prog));
  try {
    return right(await ex.run(feeds));
  } finally {
    ex.destroy();
  }
};

const mean = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
};

const variance = (xs: ArrayLike<number>): number => {
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) ** 2;
  return s / (xs.length - 1);
};

/** Pearson correlation of x[i] and x[i + lag]. */
const lagCorrelation = (xs: ArrayLike<number>, lag: number): number => {
  const n = xs.length - lag;
  let sa = 0, sb = 0;
  for (let i = 0; i < n; i++) {
    sa += xs[i];
    sb += xs[i + lag];
  }
  const ma = sa / n, mb = sb / n;
  let cov = 0, va = 0, vb = 0;
  for (let i = 0; i < n; i++) {
    const a = xs[i] - ma, b = xs[i + lag] - mb;
    cov += a * b;
    va += a * a;
    vb += b * b;
  }
  return cov / Math.sqrt(va * vb);
};

/**
 * Chi-square quantile by the Wilson-Hilferty approximation: (X/k)^(1/3) is close to normal with
 * mean 1 - 2/(9k) and variance 2/(9k). z = +-4.7534 is the standard normal quantile for a tail of
 * 1e-6, so for k = 63 degrees of freedom the bounds are about 22.9 and 131.7.
 */
const chiSquareQuantile = (k: number, z: number): number => k * (1 - 2 / (9 * k) + z * Math.sqrt(2 / (9 * k))) ** 3;
const Z_1E6 = 4.753424;

const chiSquare = (counts: ArrayLike<number>, expected: number): number => {
  let s = 0;
  for (let i = 0; i < counts.length; i++) s += (counts[i] - expected) ** 2 / expected;
  return s;
};

const expectChiSquareUniform = (counts: ArrayLike<number>, total: number, what: string): void => {
  const k = counts.length - 1;
  const chi = chiSquare(counts, total / counts.length);
  const lo = chiSquareQuantile(k, -Z_1E6);
  const hi = chiSquareQuantile(k, Z_1E6);
  assert.ok(chi > lo && chi < hi, `${what}: chi-square ${chi.toFixed(2)} with ${k} dof outside (${lo.toFixed(1)}, ${hi.toFixed(1)}) (p = 1e-6 each tail)`);
};

const within = (value: number, expected: number, sigma: number, what: string, nSigma = 5): void => {
  assert.ok(Math.abs(value - expected) <= nSigma * sigma, `${what}: ${value} differs from ${expected} by more than ${nSigma} sigma (sigma = ${sigma.toExponential(3)})`);
};

const sameExactly = (got: ArrayLike<number>, want: ArrayLike<number>, what: string): void => {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) assert.fail(`${what}: element ${i} is ${got[i]}, expected exactly ${want[i]}`);
  }
};

const closeTo = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void => {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol)) assert.fail(`${what}: element ${i} is ${got[i]}, expected ${want[i]} within ${tol}`);
  }
};

/** Global indices at which gpu.js' 16-bit limbs and the 32-bit index words carry. */
const LIMB = 2 ** 16;
const WORD = 2 ** 32;

let cpu: Runtime;
let wasm: Runtime;
before(async () => {
  cpu = await createRuntime({ backend: 'cpu' });
  wasm = await createRuntime({ backend: 'webasm' });
  assert.equal(wasm.report.backend, 'webasm');
});
after(() => {
  cpu.destroy();
  wasm.destroy();
});

// ---------------------------------------------------------------------------------------------

describe('uniform distribution (2^18 draws on webasm)', () => {
  const N = 2 ** 18;
  const key = deriveKey(2024061, 3);
  let u: Float32Array;
  before(async () => {
    const prog = build({}, () => ({ u: g.uniform(key, [N]) }));
    u = (await run(wasm, prog)).u;
    // the statistics below hold for the interpreter's stream too: it is the same stream, bit for bit
    sameExactly(u, right(g.interpret(prog, {})).u, 'webasm vs interpreter');
  });

  test('draws lie in [0, 1) on the 2^-24 grid', () => {
    assert.equal(u.length, N);
    for (let i = 0; i < N; i++) {
      const v = u[i];
      if (!(v >= 0 && v < 1) || !Number.isInteger(v * MAX_KEY)) assert.fail(`element ${i} = ${v} is not k/2^24 in [0, 1)`);
    }
  });

  test('mean and variance', () => {
    // k/2^24 for k uniform in [0, 2^24): mean (1 - 2^-24)/2, variance (1 - 2^-48)/12.
    // The sample mean has sigma sqrt(1/12 / N) = 1/sqrt(12 N) ~ 5.6e-4.
    // The sample variance has sigma sqrt((mu4 - sigma^4) / N) with mu4 = 1/80, sigma^4 = 1/144,
    // i.e. sqrt(1/(180 N)) ~ 1.46e-4.
    within(mean(u), (1 - 2 ** -24) / 2, 1 / Math.sqrt(12 * N), 'mean');
    within(variance(u), (1 - 2 ** -48) / 12, 1 / Math.sqrt(180 * N), 'variance');
  });

  test('chi-square on 64 equal bins and on the low 6 bits', () => {
    const high = new Float64Array(64);
    const low = new Float64Array(64);
    for (let i = 0; i < N; i++) {
      high[Math.floor(u[i] * 64)]++; // 64 divides 2^24, so the bins are equiprobable
      low[(u[i] * MAX_KEY) % 64]++; // the low limb's low bits
    }
    expectChiSquareUniform(high, N, '64 bins');
    expectChiSquareUniform(low, N, 'low 6 bits');
  });

  // Pairs of neighbouring draws must be jointly uniform, not just uncorrelated (the 12-bit Philox of
  // version 1 failed this with 10 rounds although its correlation was ~0).
  test('joint distribution of draws at lags 1, 2, 4096 and 2^16 (8x8 chi-square)', () => {
    for (const lag of [1, 2, 4096, LIMB]) {
      const cells = new Float64Array(64);
      for (let i = 0; i + lag < N; i++) cells[Math.floor(u[i] * 8) * 8 + Math.floor(u[i + lag] * 8)]++;
      expectChiSquareUniform(cells, N - lag, `8x8 pairs at lag ${lag}`);
    }
  });

  test('correlation of neighbours (lag 1, 2) and across 16-bit limbs (lag 4096, 2^16)', () => {
    // under independence the sample correlation of n pairs has sigma ~ 1/sqrt(n)
    for (const lag of [1, 2, 4096, LIMB]) within(lagCorrelation(u, lag), 0, 1 / Math.sqrt(N - lag), `lag ${lag} correlation`);
  });
});

describe('bernoulli', () => {
  const N = 2 ** 16;
  const ps = [0, 1e-3, 0.1, 0.3, 0.5, 0.9, 1];
  const key = deriveKey(99, 1);
  let out: Outputs;
  before(async () => {
    // one program, one offset range per p, plus the uniforms the same counters give
    const prog = build({}, () =>
      Object.fromEntries(ps.flatMap((p, j) => [
        [`b${j}`, g.bernoulli(key, p, [N], { offset: j * N })],
        [`u${j}`, g.uniform(key, [N], { offset: j * N })],
      ])),
    );
    out = await run(wasm, prog);
  });

  test('kept fraction is within 5 sigma of p (binomial)', () => {
    ps.forEach((p, j) => {
      const b = out[`b${j}`];
      let kept = 0;
      for (let i = 0; i < N; i++) {
        if (b[i] !== 0 && b[i] !== 1) assert.fail(`p=${p}: element ${i} is ${b[i]}`);
        kept += b[i];
      }
      // u is uniform on the 2^-24 grid, so P(u < t) = t exactly for the rounded threshold t
      const t = bernoulliThreshold(p);
      if (p === 0) assert.equal(kept, 0);
      else if (p === 1) assert.equal(kept, N);
      else within(kept, N * t, Math.sqrt(N * t * (1 - t)), `p=${p} kept count`);
    });
  });

  test('bernoulli(p) is exactly uniform < threshold at the same counters', () => {
    ps.forEach((p, j) => {
      const t = bernoulliThreshold(p);
      const want = Array.from(out[`u${j}`], (v) => (v < t ? 1 : 0));
      sameExactly(out[`b${j}`], want, `p=${p}`);
    });
  });

  test('thresholds are rounded to the 2^-24 grid', () => {
    assert.equal(bernoulliThreshold(0.5), 0.5);
    assert.equal(bernoulliThreshold(1), 1);
    assert.equal(bernoulliThreshold(2 ** -26), 0);
    assert.equal(bernoulliThreshold(0.1) * MAX_KEY, Math.round(0.1 * MAX_KEY));
  });
});

describe('normal distribution (2^18 draws on webasm)', () => {
  const N = 2 ** 18;
  let z: Float32Array;
  let ref: Float64Array;
  before(async () => {
    const prog = build({}, () => ({ z: g.normal(deriveKey(7, 7), [N]) }));
    z = (await run(wasm, prog)).z;
    ref = right(g.interpret(prog, {})).z;
  });

  test('mean 0 and variance 1 within 5 sigma', () => {
    for (let i = 0; i < N; i++) if (!Number.isFinite(z[i])) assert.fail(`element ${i} is ${z[i]}`);
    // sample mean: sigma 1/sqrt(N) ~ 2e-3; sample variance: sigma sqrt((mu4 - 1)/N) = sqrt(2/N) ~ 2.8e-3
    within(mean(z), 0, 1 / Math.sqrt(N), 'mean');
    within(variance(z), 1, Math.sqrt(2 / N), 'variance');
  });

  test('fraction within one standard deviation is 0.6827 (binomial 5 sigma)', () => {
    const p = 0.6826894921370859;
    let inside = 0;
    for (let i = 0; i < N; i++) inside += Math.abs(z[i]) < 1 ? 1 : 0;
    within(inside, N * p, Math.sqrt(N * p * (1 - p)), 'count with |z| < 1');
  });

  test('agrees with the float64 interpreter within 1e-5', () => {
    closeTo(z, ref, 1e-5, 'webasm normal');
  });

  test('is Box-Muller on the uniform draw and the second word of the same element', () => {
    for (const i of [0, 1, 4095, 4096, N - 1]) {
      assert.equal(ref[i], boxMuller(referenceUniform(deriveKey(7, 7), i), referenceBits(deriveKey(7, 7), i, DOMAIN.second) / MAX_KEY));
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('bit-identical across cpu, webasm and the interpreter', () => {
  const N = 8192; // above 4096 cells, so webasm splits the work across its worker pool
  const K = deriveKey(5, 11);
  const prog = build({ k: { shape: [], dtype: 'i32' }, kf: { shape: [], dtype: 'i32' } }, ({ k, kf }) => ({
    us: g.uniform(K, [N]),
    bs: g.bernoulli(K, 0.37, [N], { offset: 123 }),
    uk: g.uniform(k, [N]),
    bk: g.bernoulli(k, 0.5, [64, 128], { offset: 2 ** 24 - 100 }),
    uw: g.uniform(k, [N], { offset: WORD - 4000 }), // the index's high word carries mid-draw
    ukf: g.uniform(kf, [N], { offset: 2 ** 30 + 17 }),
    ns: g.normal(K, [N]),
    nk: g.normal(kf, [N], { offset: 77 }),
  }));
  const EXACT = ['us', 'bs', 'uk', 'bk', 'ukf', 'uw'];

  test('every backend gives the interpreter\'s uniform and bernoulli bits, normal within 1e-5', async () => {
    for (const feeds of [{ k: K, kf: K }, { k: 0, kf: MAX_KEY - 1 }, { k: 12345, kf: 777 }]) {
      const ref = right(g.interpret(prog, feeds));
      const outs: Record<string, Outputs> = { cpu: await run(cpu, prog, feeds), webasm: await run(wasm, prog, feeds) };
      for (const [backend, out] of Object.entries(outs)) {
        for (const name of EXACT) sameExactly(out[name], ref[name], `${backend} ${name} (keys ${feeds.k}, ${feeds.kf})`);
        for (const name of ['ns', 'nk']) closeTo(out[name], ref[name], 1e-5, `${backend} ${name}`);
      }
      for (const name of EXACT) sameExactly(outs.cpu[name], outs.webasm[name], `cpu vs webasm ${name}`);
      if (feeds.k === K) sameExactly(outs.webasm.uk, outs.webasm.us, 'a key fed as a tensor equals the same static key');
    }
  });

  test('one compiled plan takes a fresh key each call', async () => {
    const p = build({ k: { shape: [], dtype: 'i32' } }, ({ k }) => ({ u: g.uniform(k, [N]), b: g.bernoulli(k, 0.25, [N]) }));
    const ex = wasm.load(compile(p));
    const a = right(await ex.run({ k: 1 }));
    const b = right(await ex.run({ k: 2 }));
    sameExactly(a.u, right(g.interpret(p, { k: 1 })).u, 'key 1');
    sameExactly(b.u, right(g.interpret(p, { k: 2 })).u, 'key 2');
    sameExactly(b.b, right(g.interpret(p, { k: 2 })).b, 'key 2 bernoulli');
    assert.notDeepEqual(a.u.slice(0, 16), b.u.slice(0, 16));
    ex.destroy();
  });

  test('a single-kernel draw (direct path, threaded on webasm) matches too', async () => {
    const p = build({}, () => ({ u: g.uniform(K, [3, 4096], { offset: 2 ** 33 + 5 }) }));
    const ref = right(g.interpret(p, {})).u;
    sameExactly((await run(wasm, p)).u, ref, 'webasm');
    sameExactly((await run(cpu, p)).u, ref, 'cpu');
  });
});

// ---------------------------------------------------------------------------------------------

type Dist = { kind: 'uniform' } | { kind: 'normal' } | { kind: 'bernoulli'; p: number };
const distArb: fc.Arbitrary<Dist> = fc.oneof(
  fc.constant<Dist>({ kind: 'uniform' }),
  fc.constant<Dist>({ kind: 'normal' }),
  fc.double({ min: 0, max: 1, noNaN: true }).map((p): Dist => ({ kind: 'bernoulli', p })),
);
const drawOf = (d: Dist, key: g.KeyLike, shape: readonly number[], offset: number): Tensor =>
  d.kind === 'uniform' ? g.uniform(key, shape, { offset }) : d.kind === 'normal' ? g.normal(key, shape, { offset }) : g.bernoulli(key, d.p, shape, { offset });

/** Global indices around the limb and word boundaries, including past 2^32 and up to the 2^36 limit. */
const bigBaseArb = fc.oneof(
  fc.constantFrom(0, LIMB - 3, 2 ** 24 - 5, 2 ** 24, 2 ** 30, WORD - 5, WORD, 2 ** 35 + WORD - 7),
  fc.integer({ min: 0, max: 2 ** 36 - 2 ** 12 }),
).chain((base) => fc.integer({ min: 0, max: 63 }).map((k) => Math.min(base + k, 2 ** 36 - 64)));

describe('slice invariance of offsets', () => {
  test('interpreter: drawing [a, b) with offset a equals slicing the full draw', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_KEY - 1 }), distArb, fc.integer({ min: 1, max: 48 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 2 ** 36 - 64 }), (key, dist, m, x, y, base) => {
        const a = x % (m + 1);
        const b = a + (y % (m - a + 1));
        const p = build({}, () => {
          const full = drawOf(dist, key, [m], base);
          return { full, part: drawOf(dist, key, [b - a], base + a), sliced: g.slice(full, [a], [b]) };
        });
        const out = right(g.interpret(p, {}));
        sameExactly(out.part, out.full.subarray(a, b), 'offset draw vs subarray');
        sameExactly(out.sliced, out.part, 'slice op vs offset draw');
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  test('interpreter: a multi-axis draw is the flat draw, row-major', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_KEY - 1 }), distArb, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 2 ** 36 - 64 }), (key, dist, r, c, base) => {
        const p = build({}, () => ({ grid: drawOf(dist, key, [r, c], base), flat: drawOf(dist, key, [r * c], base) }));
        const out = right(g.interpret(p, {}));
        sameExactly(out.grid, out.flat, 'grid vs flat');
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  test('the interpreter\'s draw at any global index is the reference hash of that index', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_KEY - 1 }), bigBaseArb, (key, index) => {
        assert.equal(uniformAt(key, index), referenceUniform(key, index));
        assert.equal(bitsToUniform(drawBits(key, index, DOMAIN.second)), referenceBits(key, index, DOMAIN.second) / MAX_KEY);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  test('webasm and cpu kernels at offsets past 2^24 match the reference hash at those global indices', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: MAX_KEY - 1 }), bigBaseArb, fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), async (key, offset, len, p, keyAsTensor) => {
        const prog = build({ k: { shape: [], dtype: 'i32' } }, ({ k }) => {
          const kk = keyAsTensor ? k : key;
          return { u: g.uniform(kk, [len], { offset }), b: g.bernoulli(kk, p, [len], { offset }), z: g.normal(kk, [len], { offset }) };
        });
        const wantU = Array.from({ length: len }, (_, i) => referenceUniform(key, offset + i));
        const t = bernoulliThreshold(p);
        const wantB = wantU.map((u) => (u < t ? 1 : 0));
        const wantZ = Array.from({ length: len }, (_, i) => boxMuller(referenceUniform(key, offset + i), referenceBits(key, offset + i, DOMAIN.second) / MAX_KEY));
        for (const [name, rt] of [['webasm', wasm], ['cpu', cpu]] as const) {
          const out = await run(rt, prog, { k: key });
          sameExactly(out.u, wantU, `${name} uniform at offset ${offset}`);
          sameExactly(out.b, wantB, `${name} bernoulli at offset ${offset}`);
          closeTo(out.z, wantZ, 1e-5, `${name} normal at offset ${offset}`);
        }
      }),
      { seed: 42, numRuns: 15 },
    );
  });

  test('webasm: a compiled slice of a draw equals the offset draw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: MAX_KEY - 1 }), bigBaseArb, fc.integer({ min: 1, max: 48 }), fc.nat(), fc.nat(), async (key, base, m, x, y) => {
        const a = x % m;
        const b = a + 1 + (y % (m - a));
        const prog = build({}, () => {
          const full = g.uniform(key, [m], { offset: base });
          return { full, part: g.uniform(key, [b - a], { offset: base + a }), sliced: g.slice(g.mul(full, 1), [a], [b]) };
        });
        const out = await run(wasm, prog);
        sameExactly(out.part, out.full.subarray(a, b), 'offset draw vs subarray');
        sameExactly(out.sliced, out.part, 'fused slice vs offset draw');
      }),
      { seed: 42, numRuns: 10 },
    );
  });

  test('webasm threaded: 8192 draws at 2^30 + 3 match the reference at those global indices', async () => {
    const key = deriveKey(31337, 2);
    const offset = 2 ** 30 + 3;
    const n = 8192;
    const out = await run(wasm, build({}, () => ({ u: g.uniform(key, [n], { offset }), h: g.uniform(key, [n / 2], { offset: offset + n / 2 }) })));
    sameExactly(out.u, Array.from({ length: n }, (_, i) => referenceUniform(key, offset + i)), 'full');
    sameExactly(out.h, out.u.subarray(n / 2), 'second half');
  });
});

// ---------------------------------------------------------------------------------------------

describe('keys', () => {
  const N = 4096;
  const stream = (key: number, offset = 0): Float64Array => right(g.interpret(build({}, () => ({ u: g.uniform(key, [N], { offset }) })), {})).u;

  test('different keys give different, uncorrelated streams', () => {
    const pairs: Array<[number, number]> = [
      [0, 1],
      [MAX_KEY - 1, MAX_KEY - 2],
      [deriveKey(1, 0), deriveKey(1, 1)],
      [deriveKey(1, 0), deriveKey(2, 0)],
      [LIMB, 0], // keys differing only in the high limb
      [2 ** 23, 0], // keys differing only in the top bit
    ];
    for (const [k1, k2] of pairs) {
      assert.notEqual(k1, k2);
      const a = stream(k1);
      const b = stream(k2);
      let equal = 0;
      let cov = 0;
      const ma = mean(a), mb = mean(b);
      let va = 0, vb = 0;
      for (let i = 0; i < N; i++) {
        equal += a[i] === b[i] ? 1 : 0;
        cov += (a[i] - ma) * (b[i] - mb);
        va += (a[i] - ma) ** 2;
        vb += (b[i] - mb) ** 2;
      }
      // equal draws happen with probability 2^-24 each: about 2.4e-4 expected in 4096
      assert.ok(equal <= 2, `keys ${k1} and ${k2}: ${equal} equal draws`);
      within(cov / Math.sqrt(va * vb), 0, 1 / Math.sqrt(N), `correlation of keys ${k1} and ${k2}`);
    }
  });

  // With one keyed round the stream of key k would be key 0's at indices i ^ k (the key xors the
  // counter, then a fixed bijection): masks of two steps would be the same mask, permuted.
  test('no key\'s stream is another\'s at xored or shifted indices', () => {
    for (const [k1, k2] of [[0, 1], [5, 6], [deriveKey(1, 0), deriveKey(1, 1)], [12345, 12345 ^ 4096]]) {
      let xored = 0;
      let shifted = 0;
      for (let i = 0; i < N; i++) {
        xored += uniformAt(k1, i) === uniformAt(k2, (i ^ k1 ^ k2) >>> 0) ? 1 : 0;
        shifted += uniformAt(k1, i + 2 ** 30) === uniformAt(k2, i + 2 ** 30 + k1 - k2) ? 1 : 0;
      }
      assert.ok(xored <= 2 && shifted <= 2, `keys ${k1}, ${k2}: ${xored} equal at xored indices, ${shifted} at shifted ones (chance: ~2.4e-4)`);
    }
  });

  test('the same key and offset always give the same stream', () => {
    sameExactly(stream(42, 1000), stream(42, 1000), 'repeat');
    assert.notDeepEqual(stream(42, 0).slice(0, 8), stream(42, 1).slice(0, 8));
  });

  test('deriveKey is deterministic, in range, and distinct over a grid of seeds and streams', () => {
    const keys = new Set<number>();
    for (let seed = 0; seed < 64; seed++) {
      for (let s = 0; s < 4; s++) {
        const k = deriveKey(seed, s);
        assert.ok(Number.isInteger(k) && k >= 0 && k < MAX_KEY, `deriveKey(${seed}, ${s}) = ${k}`);
        assert.equal(deriveKey(seed, s), k);
        keys.add(k);
      }
    }
    assert.equal(keys.size, 256);
    assert.equal(deriveKey(9), deriveKey(9, 0), 'stream defaults to 0');
    assert.equal(g.randomKey(MAX_KEY - 1, MAX_KEY - 1), deriveKey(MAX_KEY - 1, MAX_KEY - 1));
  });

  test('deriveKey rejects bad seeds and streams with a RangeError naming the argument', () => {
    for (const bad of [-1, 1.5, MAX_KEY, NaN, Infinity, 2 ** 40]) {
      assert.throws(() => deriveKey(bad), (e: unknown) => e instanceof RangeError && e.message.startsWith(`seed ${bad} `) && e.message.includes('[0, 2^24)'));
      assert.throws(() => deriveKey(1, bad), (e: unknown) => e instanceof RangeError && e.message.startsWith(`stream ${bad} `));
    }
  });
});

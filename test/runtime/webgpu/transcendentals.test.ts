// The transcendentals on webgpu (SwiftShader where there is no GPU): exp, log, tanh, erf and cos
// are expanded to basic ops before any renderer, so they give wasm's (and the f32 interpreter's)
// bits wherever the device neither contracts mul+add into FMA nor divides off by an ulp (SwiftShader
// does neither) and no subnormal is involved: WGSL lets a device flush subnormals to zero, and
// SwiftShader does (log of 2^-149 is -Infinity there, exp(-87.34) is 0). pow is graft's exp(y·log|x|)
// over the same shared steps, within 2 + 2|y·ln|x|| ulp of float64 Math.pow.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../../src/dsl/index.js';
import type { F32Algebra } from '../../../src/dsl/transcendentals/index.js';
import { TRANSCENDENTALS, f32Numbers } from '../../../src/dsl/transcendentals/index.js';
import { expF32 } from '../../../src/dsl/transcendentals/exp.js';
import { logF32 } from '../../../src/dsl/transcendentals/log.js';
import { compile } from '../../../src/compiler/index.js';
import { firstBitDifference } from '../../../props/index.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import { build, right } from '../../nn/harness.js';
import { transcendentalInputs } from '../../compiler/transcendental-inputs.js';
import { webgpuSuite } from './adapter.js';

const N = 4099;
const xs = transcendentalInputs(N);

const isSubnormal = (v: number): boolean => v !== 0 && Math.abs(v) < 2 ** -126;
/** The f32 interpreter's steps, noting whether any step's operand or result is subnormal (what a flushing device changes). */
const touchesSubnormal = (f: (A: F32Algebra<number, boolean>, x: number) => number, x: number): boolean => {
  let seen = isSubnormal(x);
  const note = (v: number) => ((seen ||= isSubnormal(v)), v);
  const A = Object.fromEntries(Object.entries(f32Numbers).map(([k, op]) => [k, typeof op === 'function' && !['lt', 'gt', 'eq'].includes(k) ? (...a: number[]) => note((op as (...a: number[]) => number)(...a)) : op])) as unknown as F32Algebra<number, boolean>;
  f(A, x);
  return seen;
};

/** `values` with the elements at which `excluded` holds set to 0 (so both sides compare equal there). */
const without = (values: ArrayLike<number>, excluded: (i: number) => boolean): Float32Array => Float32Array.from(values, (v, i) => (excluded(i) ? 0 : v));

/** Distance in float32 steps (adjacent floats are 1 apart, across zero too). */
const ulps = (a: number, b: number): number => {
  const ord = (v: number) => {
    const bits = new Int32Array(Float32Array.of(v).buffer)[0];
    return bits < 0 ? -2147483648 - bits : bits;
  };
  return Math.abs(ord(a) - ord(b));
};

/** Bases over e^±20 with exponents at scales 0.1 .. 100, negative bases with integral exponents, and Math.pow's special cases. */
const powInputs = (): { x: Float32Array; y: Float32Array } => {
  let s = 99;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const special: Array<[number, number]> = [[2, 0], [NaN, 0], [0, -1], [0, 2], [-0, 3], [-2, 3], [-2, 2], [-2, 0.5], [1, 5], [4, 0.5], [0.5, -3]];
  const pairs = Array.from({ length: 3000 }, (_, i): [number, number] =>
    i < special.length ? special[i] : i % 5 === 0 ? [-Math.exp(rnd() * 4), Math.round((rnd() * 2 - 1) * 12)] : [Math.exp((rnd() * 2 - 1) * 20), (rnd() * 2 - 1) * 10 ** ((i % 4) - 1)]);
  return { x: Float32Array.from(pairs, (p) => p[0]), y: Float32Array.from(pairs, (p) => p[1]) };
};

webgpuSuite('webgpu transcendentals', () => {
  let gpu: Runtime;
  let wasm: Runtime;
  before(async () => {
    gpu = await createRuntime({ backend: 'webgpu' });
    wasm = await createRuntime({ backend: 'wasm' });
  });
  after(() => {
    gpu.destroy();
    wasm.destroy();
  });

  it('exp, log, tanh, erf, cos and normal draws: webgpu gives wasm\'s float32 bits (the f32 interpreter\'s) wherever no subnormal is involved', async () => {
    const prog = build({ x: [N] }, ({ x }) => ({
      exp: g.exp(x),
      log: g.log(x),
      tanh: g.tanh(x),
      erf: g.erf(x),
      cos: g.cos(x),
      composed: g.log(g.add(g.exp(g.tanh(x)), g.erf(x))),
      normal: g.normal(g.randomKey(7, 3), [N]),
    }));
    const plan = compile(prog);
    const [a, w, f32] = [right(await gpu.load(plan).run({ x: xs })), right(await wasm.load(plan).run({ x: xs })), right(g.interpret(prog, { x: xs }, 'f32'))];
    const steps: Record<string, (A: F32Algebra<number, boolean>, x: number) => number> = {
      ...TRANSCENDENTALS,
      composed: (A, x) => TRANSCENDENTALS.log(A, A.add(TRANSCENDENTALS.exp(A, TRANSCENDENTALS.tanh(A, x)), TRANSCENDENTALS.erf(A, x))),
    };
    let compared = 0;
    for (const name of Object.keys(prog.outputs)) {
      const subnormal = (i: number) => isSubnormal(w[name][i]) || (name in steps && touchesSubnormal(steps[name], xs[i]));
      const d = firstBitDifference(without(a[name], subnormal), without(w[name], subnormal));
      assert.equal(d, undefined, `${name}(${xs[d?.index ?? 0]}): webgpu ${d?.got}, wasm ${d?.want}`);
      assert.equal(firstBitDifference(w[name], f32[name]), undefined, `${name}: wasm is the f32 interpreter`);
      compared += w[name].length - w[name].filter((_, i) => subnormal(i)).length;
    }
    // the excluded elements are the few specials and extremes where a subnormal appears
    assert.ok(compared >= 0.99 * 7 * N, `almost every element compared (${compared} of ${7 * N})`);
  });

  it('pow: for a positive base the shared steps exp(y·log x) bit for bit, and every result within 2 + 2|y·ln|x|| ulp of float64 Math.pow', async () => {
    const { x, y } = powInputs();
    const prog = build({ x: [x.length], y: [y.length] }, ({ x, y }) => ({ p: g.pow(x, y) }));
    const got = right(await gpu.load(compile(prog)).run({ x, y })).p;
    const A = f32Numbers;
    const steps = Float32Array.from(x, (xi, i) => (xi > 0 ? expF32(A, A.mul(y[i], logF32(A, xi))) : got[i]));
    const d = firstBitDifference(without(got, (i) => isSubnormal(steps[i])), without(steps, (i) => isSubnormal(steps[i])));
    assert.equal(d, undefined, `pow(${x[d?.index ?? 0]}, ${y[d?.index ?? 0]}) = ${d?.got}, the shared steps give ${d?.want}`);
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      const want = Math.fround(Math.pow(x[i], y[i]));
      if (Number.isNaN(want) || Number.isNaN(got[i])) {
        assert.ok(Number.isNaN(want) && Number.isNaN(got[i]), `pow(${x[i]}, ${y[i]}) = ${got[i]}, want ${want}`);
        continue;
      }
      const bound = 2 + 2 * Math.abs(y[i] * Math.log(Math.abs(x[i])));
      const u = ulps(got[i], want);
      worst = Math.max(worst, u);
      // a flushed subnormal is 0
      assert.ok(u === 0 || u <= bound || (isSubnormal(want) && got[i] === 0), `pow(${x[i]}, ${y[i]}) = ${got[i]}, float64 gives ${want}: ${u} ulp, bound ${bound}`);
    }
    assert.ok(worst > 0, 'a float32 pow is not float64 rounded everywhere: the comparison ran');
  });
});

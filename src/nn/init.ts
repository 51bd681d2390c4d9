// Initial parameter values on the host, deterministic in (seed, parameter name): a parameter's
// values do not change when other parameters are added, removed or reordered.
//
// Each parameter gets its own key of the counter generator, randomKey(randomKey(seed, h1), h2),
// with h1, h2 two 24-bit FNV-1a hashes of its name (48 bits of name, so two names of one model
// practically never share a key). Values are that key's draw, exactly as `g.uniform(key, shape)`
// or `g.normal(key, shape)` give them in the float64 interpreter, scaled and rounded to f32.
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../dsl/index.js';
import type { Init, Structure } from './layer.js';

const fnv1a24 = (s: string, basis: number): number => {
  let h = basis >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return (h ^ (h >>> 24)) & 0xffffff;
};

/** The generator key of parameter `name` under `seed` (an integer in [0, 2^24)). */
export const initKey = (seed: number, name: string): number =>
  g.randomKey(g.randomKey(seed, fnv1a24(name, 2166136261)), fnv1a24(name, 0x9747b28c));

/** Draws are made in chunks (by offset): the interpreter holds a chunk, not a whole large parameter, at a time. */
const CHUNK = 2 ** 20;

const draw = (dist: 'uniform' | 'normal', key: number, size: number): Float64Array => {
  const out = new Float64Array(size);
  for (let at = 0; at < size; at += CHUNK) {
    const n = Math.min(CHUNK, size - at);
    const prog = g.program({}, () => ({ v: g[dist](key, [n], { offset: at }) }));
    if (E.isLeft(prog)) throw prog.left;
    const vals = g.interpret(prog.right, {});
    if (E.isLeft(vals)) throw vals.left;
    out.set(vals.right.v, at);
  }
  return out;
};

/** One parameter's initial values: zeros, ones, normal(0, std), or uniform(-bound, bound). */
export const initValues = (init: Init, shape: readonly number[], seed: number, name: string): Float32Array => {
  const size = shape.reduce((a, b) => a * b, 1);
  switch (init.kind) {
    case 'zeros':
      return new Float32Array(size);
    case 'ones':
      return new Float32Array(size).fill(1);
    case 'normal': {
      const values = Float32Array.from(draw('normal', initKey(seed, name), size), (z) => z * init.std);
      const width = size / (shape[0] || 1);
      if (init.zeroRow !== undefined) values.fill(0, init.zeroRow * width, (init.zeroRow + 1) * width);
      return values;
    }
    case 'uniform':
      return Float32Array.from(draw('uniform', initKey(seed, name), size), (u) => (2 * u - 1) * init.bound);
  }
};

/** Every parameter of a layer, by name, in parameter order. */
export const initParams = (l: Structure, seed: number): Record<string, Float32Array> =>
  Object.fromEntries(l.params.map((p) => [p.name, initValues(p.init, p.shape, seed, p.name)]));

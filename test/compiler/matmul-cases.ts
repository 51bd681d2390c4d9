// Matrix products of every operand layout, batched ones, and fused work on both sides of the sum,
// with their feeds: the cases every tiled matmul renderer (wasm, WGSL) is checked on.
import type * as E from 'fp-ts/lib/Either.js';
import * as g from '../../src/dsl/index.js';
import type { Program } from '../../src/dsl/index.js';
import { mulberry32 } from '../../props/mulberry32.js';

export interface Case {
  readonly label: string;
  readonly program: E.Either<Error, Program>;
  readonly shapes: Record<string, number[]>;
}

/** Products of every layout, batched ones, and fused work on both sides of the sum. */
export const cases = (m: number, k: number, n: number): Case[] => {
  const c = (label: string, shapes: Record<string, number[]>, f: (x: Record<string, g.Tensor>) => g.Tensor): Case => ({
    label: `${label} ${m}x${k}x${n}`,
    shapes,
    program: g.program(shapes, (x) => ({ y: f(x) })),
  });
  return [
    c('a·b', { a: [m, k], b: [k, n] }, ({ a, b }) => g.matmul(a, b)),
    c('x·Wᵀ + bias, relu', { x: [m, k], w: [n, k], bias: [n] }, ({ x, w, bias }) => g.maximum(g.add(g.matmul(x, g.transpose(w)), bias), 0)),
    c('xᵀ·g', { x: [k, m], gy: [k, n] }, ({ x, gy }) => g.matmul(g.transpose(x), gy)),
    c('aᵀ·bᵀ', { a: [k, m], b: [n, k] }, ({ a, b }) => g.matmul(g.transpose(a), g.transpose(b))),
    c('(g·W) masked by h > 0', { gy: [m, k], w: [k, n], h: [m, n] }, ({ gy, w, h }) => g.mul(g.matmul(gy, w), g.cast(g.gt(h, 0), 'f32'))),
    c('(0.5·a)·(b − 1)', { a: [m, k], b: [k, n] }, ({ a, b }) => g.matmul(g.mul(a, 0.5), g.sub(b, 1))),
    c('batched q·kᵀ', { q: [2, 3, m, k], kk: [2, 3, n, k] }, ({ q, kk }) => g.matmul(q, g.transpose(kk, [0, 1, 3, 2]))),
    c('batched p·v, shared b', { p: [3, m, k], v: [k, n] }, ({ p, v }) => g.matmul(p, v)),
  ];
};

export const feedsFor = (shapes: Record<string, number[]>, seed: number): Record<string, Float32Array> => {
  const r = mulberry32(seed);
  return Object.fromEntries(Object.entries(shapes).map(([name, s]) => [name, Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1)]));
};


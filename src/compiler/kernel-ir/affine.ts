// i32 index arithmetic read back as affine forms over loop symbols (batch axes, row, column,
// inner), where division and remainder by constants are provably exact: how a renderer learns a
// load's strides without evaluating it. Anything else (selects, clamps that can bite) is not affine.
import type { KNode } from './types.js';

/** c + Σ terms[s]·s, every symbol s ranging over [0, range(s)). */
export interface Affine {
  readonly c: number;
  readonly terms: Readonly<Record<string, number>>;
}

const span = (x: Affine, ranges: Readonly<Record<string, number>>): [number, number] =>
  Object.entries(x.terms).reduce<[number, number]>(([lo, hi], [s, k]) => [lo + Math.min(0, k * (ranges[s] - 1)), hi + Math.max(0, k * (ranges[s] - 1))], [x.c, x.c]);

export const combine = (x: Affine, y: Affine, sign: number): Affine => {
  const terms: Record<string, number> = { ...x.terms };
  for (const [s, k] of Object.entries(y.terms)) terms[s] = (terms[s] ?? 0) + sign * k;
  for (const s of Object.keys(terms)) if (terms[s] === 0) delete terms[s];
  return { c: x.c + sign * y.c, terms };
};

export const scale = (x: Affine, f: number): Affine =>
  f === 0 ? { c: 0, terms: {} } : { c: x.c * f, terms: Object.fromEntries(Object.entries(x.terms).map(([s, k]) => [s, k * f])) };

/** x = d·hi + lo with 0 ≤ lo < d, when every coefficient and the constant are non-negative and lo provably stays below d. */
export const divide = (x: Affine, d: number, ranges: Readonly<Record<string, number>>): { hi: Affine; lo: Affine } | undefined => {
  if (!(d > 0) || x.c < 0 || Object.values(x.terms).some((k) => k < 0)) return undefined;
  const hi: Record<string, number> = {};
  const lo: Record<string, number> = {};
  for (const [s, k] of Object.entries(x.terms)) {
    if (Math.floor(k / d)) hi[s] = Math.floor(k / d);
    if (k % d) lo[s] = k % d;
  }
  const low = { c: x.c % d, terms: lo };
  return span(low, ranges)[1] < d ? { hi: { c: Math.floor(x.c / d), terms: hi }, lo: low } : undefined;
};

/**
 * The affine form of i32 node `id`, given the forms of some nodes (`roots`: the element index, a
 * loop counter) and each symbol's range; undefined where the arithmetic is not provably affine.
 */
export const affineReader = (nodes: readonly KNode[], roots: ReadonlyMap<number, Affine>, ranges: Readonly<Record<string, number>>) => {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const memo = new Map<number, Affine | undefined>();
  const read = (id: number): Affine | undefined => {
    if (roots.has(id)) return roots.get(id);
    if (memo.has(id)) return memo.get(id);
    const n = byId.get(id);
    const v = n ? compute(n) : undefined;
    memo.set(id, v);
    return v;
  };
  const constant = (x: Affine | undefined) => (x && Object.keys(x.terms).length === 0 ? x.c : undefined);
  const compute = (n: KNode): Affine | undefined => {
    if (n.type !== 'i32') return undefined;
    if (n.op === 'const') return { c: n.value, terms: {} };
    if (n.op !== 'binary') return undefined;
    const a = read(n.a);
    const b = read(n.b);
    if (!a || !b) return undefined;
    switch (n.fn) {
      case 'add':
        return combine(a, b, 1);
      case 'sub':
        return combine(a, b, -1);
      case 'mul':
        return constant(b) !== undefined ? scale(a, constant(b)!) : constant(a) !== undefined ? scale(b, constant(a)!) : undefined;
      case 'div':
      case 'rem': {
        const d = constant(b);
        const parts = d === undefined ? undefined : divide(a, d, ranges);
        return parts && (n.fn === 'div' ? parts.hi : parts.lo);
      }
      case 'min':
      case 'max': {
        // a clamp that never bites is the identity
        const [alo, ahi] = span(a, ranges);
        const [blo, bhi] = span(b, ranges);
        if (n.fn === 'min') return ahi <= blo ? a : bhi <= alo ? b : undefined;
        return alo >= bhi ? a : blo >= ahi ? b : undefined;
      }
      default:
        return undefined;
    }
  };
  return read;
};

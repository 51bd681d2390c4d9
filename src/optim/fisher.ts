// Child-Tuning D's task-dependent mask from Fisher information (child-tuning.md): scores are the
// mean of squared, per-tensor-clipped gradients; ONE global threshold keeps the top reserveP.
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../dsl/index.js';
import type { BuildError, Program, Shape } from '../dsl/index.js';
import { clipEachByNorm } from './transforms/clip.js';
import type { NameSelector } from './combinators/select.js';
import { selects } from './combinators/select.js';
import { checkHyper, positive } from './validate.js';

/** The reference scores parameters whose name contains `layer` (BERT's encoder layers). */
export const DEFAULT_FISHER_SELECTION: NameSelector = [/layer/];

export interface FisherSelection {
  readonly selected: readonly string[];
  /** Set when the selection matched nothing: the mask would silently do nothing. */
  readonly warning?: string;
}

export const fisherSelection = (names: readonly string[], select: NameSelector = DEFAULT_FISHER_SELECTION): FisherSelection => {
  const selected = names.filter(selects(select));
  return selected.length
    ? { selected }
    : { selected, warning: `Fisher selection matched none of the ${names.length} parameters (e.g. ${names.slice(0, 3).map((n) => `'${n}'`).join(', ')}); nothing will be masked` };
};

/**
 * One batch of the Fisher pass as a program: `score:<name>` + clip(`grad:<name>`)² / batches for
 * each selected parameter, each gradient clipped to `maxGradNorm` on its own.
 */
export const fisherAccumulator = (shapes: Readonly<Record<string, Shape>>, o: { readonly maxGradNorm: number; readonly batches: number }): E.Either<BuildError, Program> => {
  const names = Object.keys(shapes);
  return g.program(
    Object.fromEntries(names.flatMap((n) => [[`score:${n}`, shapes[n]], [`grad:${n}`, shapes[n]]])),
    (inputs) => {
      checkHyper('fisherAccumulator', [positive('max grad norm', o.maxGradNorm), !(Number.isInteger(o.batches) && o.batches > 0) && `batches ${o.batches} must be a whole number > 0`]);
      const clipped = clipEachByNorm(Object.fromEntries(names.map((n) => [n, inputs[`grad:${n}`]])), o.maxGradNorm);
      return Object.fromEntries(names.map((n) => [`score:${n}`, g.add(inputs[`score:${n}`], g.div(g.mul(clipped[n], clipped[n]), o.batches))]));
    },
  );
};

/** numpy.percentile's default (linear interpolation between the two nearest ranks); q in [0, 100]. */
export const percentile = (values: ArrayLike<number>, q: number): number => {
  if (values.length === 0) throw new RangeError('percentile of no values');
  if (!(q >= 0 && q <= 100)) throw new RangeError(`q ${q} must lie in [0, 100]`);
  const sorted = Float64Array.from(values).sort();
  const at = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
};

export interface FisherMask {
  readonly masks: Readonly<Record<string, Uint8Array>>;
  readonly threshold: number;
  readonly kept: number;
  readonly total: number;
  /** Can exceed reserveP: ties at the threshold (many zero scores) are all kept. */
  readonly keptFraction: number;
}

/** mask = score >= the global (1 − reserveP) percentile over every scored element, ties kept. */
export const fisherMask = (scores: Readonly<Record<string, ArrayLike<number>>>, reserveP: number): FisherMask => {
  if (!(reserveP > 0 && reserveP <= 1)) throw new RangeError(`reserveP ${reserveP} must lie in (0, 1]`);
  const total = Object.values(scores).reduce((s, v) => s + v.length, 0);
  const all = new Float64Array(total);
  let at = 0;
  for (const v of Object.values(scores)) {
    all.set(Float64Array.from(v), at);
    at += v.length;
  }
  const threshold = percentile(all, (1 - reserveP) * 100);
  let kept = 0;
  const masks = Object.fromEntries(Object.entries(scores).map(([k, v]) => {
    const m = Uint8Array.from(v, (x) => +(x >= threshold));
    kept += m.reduce((s, b) => s + b, 0);
    return [k, m];
  }));
  return { masks, threshold, kept, total, keptFraction: kept / total };
};

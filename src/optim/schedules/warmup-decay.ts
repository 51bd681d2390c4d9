// Hugging Face's warmup-then-decay schedules (get_linear/cosine_schedule_with_warmup), with warmup as steps or a ratio.
import type { Schedule } from './scalar.js';
import { schedule } from './scalar.js';
import { checkHyper, nonNegative, stepCount } from './args.js';

export interface WarmupOptions {
  readonly peak: number;
  readonly total: number;
  /** Warmup steps, or a fraction of `total` (rounded up, as Hugging Face does). */
  readonly warmup?: number;
  readonly warmupRatio?: number;
}

const warmupSteps = (op: string, o: WarmupOptions): number => {
  checkHyper(op, [
    nonNegative('peak', o.peak),
    stepCount('total', o.total),
    o.warmup !== undefined && o.warmupRatio !== undefined && 'give warmup or warmupRatio, not both',
    o.warmup !== undefined && stepCount('warmup', o.warmup),
    o.warmupRatio !== undefined && !(o.warmupRatio >= 0 && o.warmupRatio <= 1) && `warmupRatio ${o.warmupRatio} must lie in [0, 1]`,
    o.warmup !== undefined && o.warmup > o.total && `warmup ${o.warmup} exceeds total ${o.total}`,
  ]);
  return o.warmup ?? Math.ceil((o.warmupRatio ?? 0) * o.total);
};

/** lr(t) = peak·t/w for t < w, else peak·max(0, (total − t)/(total − w)) (fine-tuning-practice.md). */
export const linearWarmupDecay = (o: WarmupOptions): Schedule => {
  const w = warmupSteps('linearWarmupDecay', o);
  return schedule(`linearWarmupDecay(peak ${o.peak}, warmup ${w}, total ${o.total})`, (s, t) =>
    s.mul(s.c(o.peak), s.ifLess(t, s.c(w), s.div(t, s.c(Math.max(1, w))), s.max(s.c(0), s.div(s.sub(s.c(o.total), t), s.c(Math.max(1, o.total - w)))))),
  );
};

/** Linear warmup, then half a cosine from peak down to `final` at `total` (Hugging Face's cosine schedule). */
export const cosineWarmupDecay = (o: WarmupOptions & { readonly final?: number }): Schedule => {
  const w = warmupSteps('cosineWarmupDecay', o);
  const final = o.final ?? 0;
  checkHyper('cosineWarmupDecay', [nonNegative('final', final), final > o.peak && `final ${final} exceeds peak ${o.peak}`]);
  return schedule(`cosineWarmupDecay(peak ${o.peak}, warmup ${w}, total ${o.total}, final ${final})`, (s, t) => {
    // progress reaches 1 at `total` even when warmup fills it, so lr(total) = final as for linear decay
    const progress = s.ifLess(t, s.c(o.total), s.div(s.sub(t, s.c(w)), s.c(Math.max(1, o.total - w))), s.c(1));
    const decay = s.add(s.c(final), s.mul(s.c((o.peak - final) / 2), s.add(s.c(1), s.cos(s.mul(s.c(Math.PI), progress)))));
    return s.ifLess(t, s.c(w), s.mul(s.c(o.peak), s.div(t, s.c(Math.max(1, w)))), decay);
  });
};

// Schedule laws users can run on their own schedules, and generators of the built-in ones.
import fc from 'fast-check';
import type { Schedule } from '../src/optim/index.js';
import { cosineWarmupDecay, linearWarmupDecay, lrAt } from '../src/optim/index.js';

export interface WarmupDecayCase {
  readonly schedule: Schedule;
  readonly peak: number;
  readonly warmup: number;
  readonly total: number;
  readonly final: number;
}

export const arbWarmupDecay: fc.Arbitrary<WarmupDecayCase> = fc
  .record({ peak: fc.double({ min: 1e-6, max: 1, noNaN: true }), total: fc.integer({ min: 1, max: 5000 }), frac: fc.double({ min: 0, max: 1, noNaN: true }), cosine: fc.boolean(), finalFrac: fc.double({ min: 0, max: 1, noNaN: true }) })
  .map(({ peak, total, frac, cosine, finalFrac }) => {
    const warmup = Math.floor(frac * total);
    const final = cosine ? peak * finalFrac : 0;
    return { peak, warmup, total, final, schedule: cosine ? cosineWarmupDecay({ peak, warmup, total, final }) : linearWarmupDecay({ peak, warmup, total }) };
  });

/** Problems with a warmup-then-decay schedule; empty when it obeys every law. */
export const warmupDecayLaws = ({ schedule, peak, warmup, total, final }: WarmupDecayCase): string[] => {
  const problems: string[] = [];
  const lr = (t: number) => lrAt(schedule, t);
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
  if (warmup > 0 && !close(lr(0), 0)) problems.push(`lr(0) = ${lr(0)}, expected 0 with warmup`);
  if (!close(lr(warmup), warmup === total ? final : peak)) problems.push(`lr(warmup = ${warmup}) = ${lr(warmup)}, expected ${peak}`);
  if (!close(lr(total), final)) problems.push(`lr(total = ${total}) = ${lr(total)}, expected ${final}`);
  for (let t = 1; t <= total + 3; t++) {
    const [a, b] = [lr(t - 1), lr(t)];
    if (b < 0) problems.push(`lr(${t}) = ${b} is negative`);
    // warmup is steps [0, warmup); decay starts at warmup (at peak, unless warmup fills the run)
    if ((t < warmup || (t === warmup && total > warmup)) && b < a) problems.push(`warmup decreased at ${t}: ${a} -> ${b}`);
    if (t > warmup && b > a + 1e-15) problems.push(`decay increased at ${t}: ${a} -> ${b}`);
    if (problems.length > 5) break;
  }
  return problems;
};

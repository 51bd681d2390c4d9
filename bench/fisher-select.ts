// Child-Tuning D's global threshold under shards, two ways, side by side on local ranks: `npx tsx bench/fisher-select.ts [N...]`.
// Prints, per W and N: median ms and bytes moved per rank for the radix select and for gathering every score.
import * as E from 'fp-ts/lib/Either.js';
import { runLocal } from '../src/shard/index.js';
import type { FisherSelectInput, FisherSelectResult } from './fisher-select-rank.js';

const ENTRY = new URL('./fisher-select-rank.ts', import.meta.url);
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const KiB = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

const sizes = process.argv.slice(2).map(Number);
for (const total of sizes.length ? sizes : [1_000_000, 4_000_000])
  for (const W of [2, 4]) {
    const out = await runLocal<FisherSelectInput, FisherSelectResult>({ size: W, entry: ENTRY, input: { total, reps: 5 }, slotFloats: Math.ceil(total / W) + 16 });
    if (E.isLeft(out)) throw new Error(out.left.join('\n'));
    const r = out.right[0];
    if (!Object.is(r.select.value, r.gather.value)) throw new Error(`thresholds differ: ${r.select.value} vs ${r.gather.value}`);
    console.log(`W=${W} N=${total}: select ${median(r.select.ms).toFixed(1)} ms, ${KiB(r.select.bytes)} moved per rank; gather ${median(r.gather.ms).toFixed(1)} ms, ${KiB(r.gather.bytes)}; same threshold ${r.select.value}`);
  }

// Sharded steps of the training suite's BERT classifier (or an MLP) on W local workers with FULL_SHARD, resharding after
// forward and not, side by side: step time, bytes moved per rank, gathered peak, wasm high-water.
// `npx tsx bench/shard-reshard.ts [bert|mlp] [W...]` (default: bert 2)
import * as E from 'fp-ts/lib/Either.js';
import { runLocal } from '../src/shard/collectives/index.js';
import type { StepBenchInput, StepBenchResult, StepModel } from './shard-step-rank.js';
import { BERT_BENCH, BERT_SEQ } from './train-peers/bert.js';

const STEP_PROGRAM = new URL('./shard-step-rank.ts', import.meta.url);
const MiB = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

const [kind = 'bert', ...ws] = process.argv.slice(2);
const model: StepModel = kind === 'mlp' ? { kind: 'mlp', sizes: [784, 256, 256, 10] } : { kind: 'bert', config: BERT_BENCH, seq: BERT_SEQ };
const batch = kind === 'mlp' ? 64 : 32;
for (const W of (ws.length ? ws : ['2']).map(Number))
  for (const reshardAfterForward of [true, false]) {
    const input: StepBenchInput = { model, strategy: 'FULL_SHARD', reshardAfterForward, batch, warmup: 1, reps: 1 };
    const out = await runLocal<StepBenchInput, StepBenchResult>({ size: W, entry: STEP_PROGRAM, input, timeoutMs: 1_200_000 });
    if (E.isLeft(out)) {
      console.log(`W=${W} reshardAfterForward ${reshardAfterForward}: did not run: ${out.left.join('; ')}`);
      continue;
    }
    const r = out.right;
    const N = r[0].params;
    console.log(
      `${kind} W=${W} reshardAfterForward ${reshardAfterForward}: ${N} params; step ${r.map((x) => (x.ms[0] / 1000).toFixed(1)).join(' / ')} s; first step (compile included) ${(r[0].firstStepMs / 1000).toFixed(1)} s; ` +
        `moved per rank ${MiB(r[0].movedBytes)} (2·N·4·(W−1)/W = ${MiB((2 * N * 4 * (W - 1)) / W)}, 3·… = ${MiB((3 * N * 4 * (W - 1)) / W)}); ` +
        `gathered at once at most ${MiB(r[0].peakGatheredBytes)} (all units ${MiB(r[0].gatheredBytes)}, largest ${MiB(r[0].largestUnitBytes)}); wasm high-water per rank ${r.map((x) => MiB(x.wasmBytes)).join(' / ')}`,
    );
  }

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { runLocal } from '../../src/shard/index.js';
import type { ReshardInput, ReshardResult } from './programs/reshard-step.js';
import { RESHARD_MICRO, RESHARD_SIZES } from './programs/reshard-step.js';

const PROGRAM = new URL('./programs/reshard-step.ts', import.meta.url);

const ranks = async (W: number, input: ReshardInput) => {
  const out = await runLocal<ReshardInput, ReshardResult>({ size: W, entry: PROGRAM, input });
  if (E.isLeft(out)) assert.fail(out.left.join('\n'));
  return out.right;
};

const ok = (r: ReshardResult) => {
  if (!r.ok) assert.fail(r.message);
  return r;
};

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Each Linear's flat unit (weight and bias), padded to W equal chunks, in bytes: what one all-gather of it returns. */
const paddedUnits = (W: number) => RESHARD_SIZES.slice(1).map((out, i) => 4 * W * Math.ceil((out * RESHARD_SIZES[i] + out) / W));

test('FULL_SHARD unit by unit: reshardAfterForward true and false and W = 1, 2, 4 give the same bits; gathered peak is the largest unit (true) or all units (false); bytes moved 3·P vs 2·P ·4·(W−1)/W plus the metrics', async () => {
  let reference: { params: Record<string, Float32Array>; losses: number[] } | undefined;
  for (const W of [1, 2, 4])
    for (const reshardAfterForward of [true, false]) {
      const results = (await ranks(W, { strategy: 'FULL_SHARD', reshardAfterForward })).map(ok);
      const units = paddedUnits(W);
      // every Linear's flat unit is gathered twice (forward, backward) or once, and its gradient reduce-scattered once
      const paramTraffic = units.reduce((a, b) => a + b, 0) * ((W - 1) / W) * (reshardAfterForward ? 3 : 2);
      // the metrics all-gather: loss and accuracy of each of this rank's micro-batches
      const metricTraffic = 4 * 2 * (RESHARD_MICRO / W) * (W - 1);
      for (const r of results) {
        reference ??= r;
        assert.deepEqual(r.losses, reference.losses, `W=${W} reshard=${reshardAfterForward}: losses`);
        for (const k of Object.keys(reference.params)) assert.deepEqual(bits(r.params[k]), bits(reference.params[k]), `W=${W} reshard=${reshardAfterForward}: ${k}`);
        assert.deepEqual(r.stepBytes, [paramTraffic + metricTraffic, paramTraffic + metricTraffic], `W=${W} reshard=${reshardAfterForward}: bytes moved per step`);
        assert.deepEqual(r.peakGatheredBytes, Array(2).fill(reshardAfterForward ? Math.max(...units) : units.reduce((a, b) => a + b, 0)), `W=${W} reshard=${reshardAfterForward}: peak gathered bytes`);
      }
    }
  assert.ok(reference!.losses[1] < reference!.losses[0], 'the steps learn');
});

test('frozen units no gradient reaches are not gathered again for the backward: only the trained last Linear is; the same bits as one program', async () => {
  const W = 2;
  const trainable = ['layers.2.weight', 'layers.2.bias'];
  const units = paddedUnits(W).map((b) => b * ((W - 1) / W));
  const forward = units.reduce((a, b) => a + b, 0);
  const trained = units[2];
  const metrics = 4 * 2 * (RESHARD_MICRO / W) * (W - 1);
  const [resharded] = (await ranks(W, { strategy: 'FULL_SHARD', reshardAfterForward: true, trainable })).map(ok);
  const [kept] = (await ranks(W, { strategy: 'FULL_SHARD', reshardAfterForward: false, trainable })).map(ok);
  // forward gathers every unit; the backward gathers layers.2 again; its gradient is reduce-scattered
  assert.deepEqual(resharded.stepBytes, Array(2).fill(forward + trained + trained + metrics));
  assert.deepEqual(kept.stepBytes, Array(2).fill(forward + trained + metrics));
  assert.deepEqual(resharded.losses, kept.losses);
  for (const k of Object.keys(kept.params)) assert.deepEqual(bits(resharded.params[k]), bits(kept.params[k]), k);
});

test('a metric that reads no parameter (the mean input) runs unit by unit too: the one-program step\'s numbers', async () => {
  const [resharded] = (await ranks(2, { strategy: 'FULL_SHARD', reshardAfterForward: true, inputMean: true })).map(ok);
  const [kept] = (await ranks(2, { strategy: 'FULL_SHARD', reshardAfterForward: false, inputMean: true })).map(ok);
  assert.equal(resharded.inputMeans.length, 2);
  assert.deepEqual(resharded.inputMeans, kept.inputMeans);
  assert.deepEqual(resharded.losses, kept.losses);
});

test('the default under FULL_SHARD reshards after forward (FSDP\'s default)', async () => {
  const [r] = (await ranks(2, { strategy: 'FULL_SHARD' })).map(ok);
  assert.deepEqual(r.peakGatheredBytes, Array(2).fill(Math.max(...paddedUnits(2))));
});

test('reshardAfterForward under SHARD_GRAD_OP or NO_SHARD is refused, naming the option and why', async () => {
  for (const strategy of ['SHARD_GRAD_OP', 'NO_SHARD'] as const) {
    const [r] = await ranks(1, { strategy, reshardAfterForward: true });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.message, new RegExp(`reshardAfterForward: ${strategy} keeps whole parameters`));
  }
});

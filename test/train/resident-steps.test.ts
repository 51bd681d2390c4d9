// On wasm the trainer keeps parameters and optimizer state in the runtime's memory between steps:
// the same numbers as carrying them through the host every step, and only batches and metrics cross.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import * as o from '../../src/optim/index.js';
import type { Runtime, WasmRuntime } from '../../src/runtime/index.js';
import { createRuntime, isWasmRuntime } from '../../src/runtime/index.js';
import type { OptimizerState } from '../../src/train/optimizer-runner.js';
import { classifierRunner, fit, trainEpoch } from '../../src/train/fit.js';
import { blobs } from './blobs.js';

const bytesOf = (values: Readonly<Record<string, Float32Array>>) => Object.values(values).reduce((a, v) => a + v.byteLength, 0);

describe('resident training steps on wasm', () => {
  let rt: WasmRuntime;
  before(async () => {
    const made = await createRuntime({ backend: 'wasm' });
    assert.ok(isWasmRuntime(made), `expected the wasm backend, got ${made.report.backend}`);
    rt = made;
  });
  after(() => rt.destroy());

  test('the same losses and weights as the state carried through the host every step, bit for bit, 1 or 4 steps per call', async () => {
    // the same runtime without its resident interface: the trainer falls back to run() with host arrays
    const hostOnly: Runtime = { report: rt.report, load: (p) => rt.load(p), loop: (p, s) => rt.loop(p, s), destroy: () => {} };
    const model = nn.mlpClassifier([4, 8, 3]);
    const p0 = nn.initParams(model, 5);
    const transform = o.childTuningAdamW(0.05, { mode: 'F', reserveP: 0.5, seed: 9 });
    for (const stepsPerCall of [1, 4]) {
      const run = (r: Runtime) => fit(r, { model, transform, features: [4], epochs: 3, batchSize: 16, seed: 3, stepsPerCall }, p0, blobs(96, 1), blobs(60, 2));
      const host = await run(hostOnly);
      const resident = await run(rt);
      assert.deepEqual(resident.records.map(({ seconds: _, ...r }) => r), host.records.map(({ seconds: _, ...r }) => r), `stepsPerCall ${stepsPerCall}`);
      for (const n of Object.keys(host.params)) assert.deepEqual(new Uint32Array(resident.params[n].buffer), new Uint32Array(host.params[n].buffer), `stepsPerCall ${stepsPerCall}: ${n}`);
      for (const n of Object.keys(host.state.state)) assert.deepEqual(new Uint32Array(resident.state.state[n].buffer), new Uint32Array(host.state.state[n].buffer), `stepsPerCall ${stepsPerCall}: state ${n}`);
      assert.equal(resident.state.step, host.state.step);
    }
  });

  test('after the first upload only batches go in and metrics come out: what crosses does not grow with the model', async () => {
    const train = blobs(96, 1);
    const steps = 96 / 16;
    const perEpoch: Array<{ first: number; second: number; secondRead: number; stateBytes: number }> = [];
    for (const hidden of [8, 64]) {
      const model = nn.mlpClassifier([4, hidden, 3]);
      const p0 = nn.initParams(model, 5);
      const names = Object.keys(p0);
      const runner = classifierRunner(rt, model, o.adamw(0.05), names, p0, 16, [4]);
      assert.ok(runner.resident, 'a wasm runner keeps its state resident');
      const init = await runner.init(p0);
      assert.equal(init._tag, 'Right');
      const s0 = (init as { right: OptimizerState }).right;
      const options = { batchSize: 16, seed: 3, width: 4 };
      const t0 = rt.traffic();
      const e1 = await trainEpoch(runner, s0, train, 0, options);
      const t1 = rt.traffic();
      // the second epoch starts from the state the first read back: its handles are still held, nothing is uploaded again
      await trainEpoch(runner, e1.state, train, 1, options);
      const t2 = rt.traffic();
      runner.destroy();
      const stateBytes = bytesOf(e1.state.params) + bytesOf(e1.state.state);
      perEpoch.push({ first: t1.uploadedBytes - t0.uploadedBytes, second: t2.uploadedBytes - t1.uploadedBytes, secondRead: t2.readBytes - t1.readBytes, stateBytes });
    }
    const [small, big] = perEpoch;
    assert.ok(big.stateBytes > 4 * small.stateBytes, 'the wide model holds far more state');
    // a step's uploads are its batch alone: the same bytes whatever the model's size
    assert.equal(big.second, small.second);
    assert.ok(small.second <= steps * (16 * 4 + 16 + 1) * 4, `${small.second} bytes uploaded in an epoch of ${steps} batches`);
    // the first epoch uploaded the initial parameters and state once, on top of the batches
    for (const e of perEpoch) assert.equal(e.first - e.second, e.stateBytes);
    // out come a loss and an accuracy per step, and the whole state once at the epoch's end
    for (const e of perEpoch) assert.equal(e.secondRead, steps * 2 * 4 + e.stateBytes);
  });

  test('fit itself keeps the state resident: its uploads grow with the model by a few copies of the state, not a copy per step', async () => {
    const uploads = async (hidden: number) => {
      const model = nn.mlpClassifier([4, hidden, 3]);
      const p0 = nn.initParams(model, 5);
      const t0 = rt.traffic();
      await fit(rt, { model, transform: o.adamw(0.05), features: [4], epochs: 1, batchSize: 16, seed: 3 }, p0, blobs(96, 1), blobs(60, 2));
      // p, m and v
      return { bytes: rt.traffic().uploadedBytes - t0.uploadedBytes, state: 3 * bytesOf(p0) };
    };
    const small = await uploads(8);
    const big = await uploads(256);
    // 6 steps: carried through the host the state would go up 6 times; resident, once (plus the parameters for evaluation)
    assert.ok(big.bytes - small.bytes < 2 * (big.state - small.state), `uploads grew by ${big.bytes - small.bytes} bytes for ${big.state - small.state} more bytes of state`);
  });
});

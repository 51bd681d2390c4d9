import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as o from '../../../src/optim/index.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import type { OptimizerState, Values } from '../../../src/train/optimizer-runner.js';
import { createOptimizerRunner } from '../../../src/train/optimizer-runner.js';
import type { CheckpointShapes } from '../../../src/train/checkpoint/index.js';
import { checkpointOf, checkpointShapes, loadCheckpoint, optimizerStateOf, saveCheckpoint } from '../../../src/train/checkpoint/index.js';
import { randomTensors } from '../../optim/reference.js';
import { META, bitsOf, right, tempDir } from './fixtures.js';
import { GENERATOR_VERSION } from '../../../src/dsl/counter-hash.js';

// Resume equivalence: N steps straight equal k steps, save, load (in a fresh runner, as a new process would), N - k steps,
// bit for bit. Child-Tuning F draws a fresh mask keyed by (seed, step), so a resume that lost the step would differ.
const SHAPES = { 'enc.w': [8, 6], 'enc.b': [6], 'cls.w': [6, 3] };
const N = 6;
const SEED = 17;
const transform = () => o.childTuningAdamW(1e-2, { weightDecay: 0.01, mode: 'F', reserveP: 0.3, seed: SEED });
const params0 = randomTensors(SHAPES, 1);
const grads = Array.from({ length: N }, (_, s) => randomTensors(SHAPES, 1000 + s, 0.5));

const runner = (rt: Runtime) => right(createOptimizerRunner(rt, transform(), SHAPES));

/** Steps with the gradients of steps from..upTo - 1; the random keys come from s.step, as they would after a resume. */
const stepsFrom = async (rt: Runtime, s: OptimizerState, upTo: number, from = s.step): Promise<OptimizerState> => {
  const r = runner(rt);
  for (let i = from; i < upTo; i++) s = right(await r.step(s, grads[i]));
  r.destroy();
  return s;
};

const bitsOfState = (s: OptimizerState) => ({ params: bitsOf(s.params), state: bitsOf(s.state), step: s.step });

describe('checkpoint: resume equivalence (cpu, Child-Tuning F AdamW)', () => {
  let rt: Runtime;
  let straight: OptimizerState;
  let start: OptimizerState;
  let shapes: CheckpointShapes;
  before(async () => {
    rt = await createRuntime({ backend: 'cpu' });
    const r = runner(rt);
    start = right(await r.init(params0));
    shapes = checkpointShapes(r.programs);
    r.destroy();
    straight = await stepsFrom(rt, start, N);
  });
  after(() => rt.destroy());

  for (const k of [0, 1, 3, N]) {
    it(`${N} steps straight = ${k} steps, save, load, ${N - k} steps, bit for bit`, async () => {
      const atK = await stepsFrom(rt, start, k);
      const file = join(tempDir(), `step-${k}.safetensors`);
      right(saveCheckpoint(file, checkpointOf(atK, { ...META, generator: { seed: SEED, step: atK.step } }, shapes)));
      const loaded = right(loadCheckpoint(file, shapes));
      assert.deepEqual(loaded.meta.generator, { seed: SEED, step: k, version: GENERATOR_VERSION });
      const resumed = await stepsFrom(rt, optimizerStateOf(loaded), N);
      assert.deepEqual(bitsOfState(resumed), bitsOfState(straight));
    });
  }

  it('the test can tell: resuming with the step counter reset draws other masks and differs', async () => {
    const atK = await stepsFrom(rt, start, 3);
    const wrong = await stepsFrom(rt, { ...atK, step: 0 }, N, 3);
    assert.notDeepEqual(bitsOf(wrong.params), bitsOf(straight.params));
  });

  it('the state has the leaves the optimizer declares, with their shapes', () => {
    assert.deepEqual(shapes.params, SHAPES);
    assert.deepEqual(Object.keys(shapes.optState).sort(), Object.keys(straight.state).sort());
    assert.ok(Object.keys(shapes.optState).length >= 2, 'AdamW keeps moments');
    const sizes = (vs: Values) => Object.fromEntries(Object.entries(vs).map(([k, v]) => [k, v.length]));
    assert.deepEqual(sizes(straight.state), Object.fromEntries(Object.entries(shapes.optState).map(([k, s]) => [k, s.reduce((a, b) => a * b, 1)])));
  });
});

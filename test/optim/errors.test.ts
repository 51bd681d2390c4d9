import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as o from '../../src/optim/index.js';
import type { Transform } from '../../src/optim/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { createOptimizerRunner } from '../../src/train/optimizer-runner.js';

const SHAPES = { 'enc.weight': [2, 2], 'enc.bias': [2] };

/** Hyperparameter errors surface when the transform is made or when its step is built; both name the value. */
const rejects = (make: () => unknown, ...mentions: RegExp[]) => {
  let message = '';
  try {
    const made = make();
    const built = o.buildStep(made as Transform<any>, SHAPES);
    if (E.isLeft(built)) message = built.left.message;
  } catch (e) {
    message = (e as Error).message;
  }
  assert.ok(message, 'expected an error');
  for (const m of mentions) assert.match(message, m);
};

describe('optimizer input errors', () => {
  it('reserveP outside (0, 1]', () => {
    rejects(() => o.childTuningAdamW(1e-3, { mode: 'F', reserveP: 0 }), /reserveP 0 must lie in \(0, 1\]/);
    rejects(() => o.childTuningAdamW(1e-3, { mode: 'F', reserveP: 1.5 }), /reserveP 1.5/);
    rejects(() => o.childTuning({ mode: 'F', reserveP: -0.1, seed: 1 }), /reserveP -0.1/);
  });
  it('negative learning rate or weight decay', () => {
    rejects(() => o.adamw(-1e-3), /lr -0.001 must be a finite number >= 0/);
    rejects(() => o.adamw(1e-3, { weightDecay: -0.01 }), /weight decay -0.01/);
    rejects(() => o.hfAdamW(1e-3, { weightDecay: -1 }), /weight decay -1/);
    rejects(() => o.linearWarmupDecay({ peak: -1, total: 10 }), /peak -1/);
  });
  it('a learning rate that is not a number, schedule or tensor', () => {
    rejects(() => o.adamw('x' as unknown as number), /lr 'x' must be a number >= 0, a schedule or a scalar tensor/);
    rejects(() => o.sgd(null as unknown as number), /lr null must be/);
  });
  it('betas outside [0, 1), all reported together', () => {
    rejects(() => o.adamw(1e-3, { b1: 1, b2: -0.5 }), /b1 1 must lie in \[0, 1\)/, /b2 -0.5 must lie in \[0, 1\)/);
  });
  it('mode D without masks, or masks for parameters that do not exist', () => {
    rejects(() => o.childTuningAdamW(1e-3, { mode: 'D' }), /mode D needs masks/);
    rejects(() => o.childTuningAdamW(1e-3, { mode: 'D', masks: { 'dec.weight': [1, 0, 1, 0] } }), /'dec\.weight'/);
  });
  it('gradients whose tree does not match the parameters: every name reported', async () => {
    const rt = await createRuntime({ backend: 'cpu' });
    const runner = E.getOrElseW((e: Error) => assert.fail(e.message))(createOptimizerRunner(rt, o.adamw(1e-3), SHAPES));
    const s = E.getOrElseW((e: Error) => assert.fail(e.message))(await runner.init({ 'enc.weight': new Float32Array(4), 'enc.bias': new Float32Array(2) }));
    const bad = await runner.step(s, { 'enc.weight': new Float32Array(4), 'enc.bais': new Float32Array(2) });
    assert.ok(E.isLeft(bad));
    assert.match(bad.left.message, /gradient for 'enc\.bias': missing/);
    assert.match(bad.left.message, /gradient 'enc\.bais': matches no parameter/);
    const short = await runner.step(s, { 'enc.weight': new Float32Array(3), 'enc.bias': new Float32Array(2) });
    assert.ok(E.isLeft(short));
    assert.match(short.left.message, /gradient for 'enc\.weight': 3 values, expected 4 for f32\[2, 2\]/);
    rt.destroy();
  });
});

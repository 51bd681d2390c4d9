import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as o from '../../../src/optim/index.js';
import { maxRelError, torchAdamW } from '../reference.js';
import { HYPER, compiledRun, gradsFor, params0 } from './adam-runs.js';

describe('multiSteps around adamw', () => {
  it('every 2nd call applies Adam to the mean of 2 gradients (float64 reference), the others change nothing', async () => {
    const grads = gradsFor(60);
    const got = await compiledRun(o.multiSteps(o.adamw(HYPER.lr, { weightDecay: HYPER.wd }), 2), grads);
    const means = Array.from({ length: 30 }, (_, k) => Object.fromEntries(Object.keys(grads[0]).map((n) => [n, grads[2 * k][n].map((x, i) => (x + grads[2 * k + 1][n][i]) / 2)])));
    for (let call = 0; call < 60; call += 2) assert.deepEqual(got[call], call === 0 ? params0 : got[call - 1], `call ${call + 1} only accumulates`);
    assert.ok(maxRelError(got[1], torchAdamW(params0, means.slice(0, 1), HYPER).params) <= 1e-5, 'after the first Adam step');
    assert.ok(maxRelError(got[59], torchAdamW(params0, means, HYPER).params) <= 1e-5, 'after the 30th');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as o from '../../../src/optim/index.js';
import { maxRelError, torchAdamW } from '../reference.js';
import { HYPER, compiledRun, gradsFor, params0 } from './adam-runs.js';

describe('applyIfFinite around adamw', () => {
  it('a step with a NaN gradient is skipped, Adam\'s count included: the run equals the reference without it', async () => {
    const grads = gradsFor(40);
    const bad = { ...grads[9], w: grads[9].w.map((x, i) => (i === 4 ? NaN : x)) };
    const got = await compiledRun(o.applyIfFinite(o.adamw(HYPER.lr, { weightDecay: HYPER.wd })), [...grads.slice(0, 9), bad, ...grads.slice(9)]);
    assert.deepEqual(got[9], got[8], 'the skipped step leaves the parameters as they were');
    // the bias correction counts applied steps only: step 10 of the run is Adam's step 10, not 11
    assert.ok(maxRelError(got[40], torchAdamW(params0, grads, HYPER).params) <= 1e-5);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as o from '../../../src/optim/index.js';
import { maxRelError, torchAdamW } from '../reference.js';
import { HYPER, compiledRun, gradsFor, params0 } from './adam-runs.js';

describe('injectHyperparams around adamw', () => {
  it('lr and weight decay held in state give the reference\'s parameters', async () => {
    const grads = gradsFor(40);
    const got = await compiledRun(o.injectHyperparams((h) => o.adamw(h.lr, { weightDecay: h.wd }), { lr: HYPER.lr, wd: HYPER.wd }), grads);
    assert.ok(maxRelError(got[39], torchAdamW(params0, grads, HYPER).params) <= 1e-5);
  });
});

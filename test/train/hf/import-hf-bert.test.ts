// importHfBert: an HF folder as a graft checkpoint that loads as graft's own and remembers its HF config.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../src/nn/index.js';
import { loadCheckpoint, saveCheckpoint } from '../../../src/train/checkpoint/index.js';
import { exportHfBert, importHfBert, loadHfBert } from '../../../src/train/hf/index.js';
import { right } from '../../nn/harness.js';
import { tempDir, tinyConfig, tinyFolder } from './fixtures.js';

describe('importHfBert', () => {
  it('a checkpoint graft loads with the model’s shapes, the same values, step 0, and the HF config recorded for export', () => {
    const { dir, stored } = tinyFolder('F16', 1, 'import');
    const file = join(tempDir('import'), 'm.safetensors');
    right(importHfBert(dir, file));
    const ckpt = right(loadCheckpoint(file, { params: nn.paramShapes(nn.bertClassifier(tinyConfig)), optState: {} }));
    assert.deepEqual(ckpt.params, stored);
    assert.equal(ckpt.meta.step, 0);
    assert.equal(JSON.parse(ckpt.meta.config).model_type, 'bert');
    const out = join(tempDir('import-out'), 'm');
    right(exportHfBert(file, undefined, out));
    assert.deepEqual(right(loadHfBert(out)).params, stored);
  });

  it('export without --config of a checkpoint that records no HF config says what to give', () => {
    const { dir } = tinyFolder('F32', 1, 'noconfig');
    const loaded = right(loadHfBert(dir));
    const file = join(tempDir('noconfig'), 'm.safetensors');
    right(saveCheckpoint(file, { params: loaded.params, optState: {}, meta: { step: 0, epoch: 0, phaseDepth: 0, phaseProgress: null, generator: { seed: 0, step: 0 }, config: '{"lr": 1}' } }));
    const r = exportHfBert(file, undefined, join(tempDir('noconfig-out'), 'm'));
    assert.ok(E.isLeft(r));
    assert.deepEqual(r.left.map((p) => [p.file, p.path]), [[file, '__metadata__["graft.config"]']]);
    assert.match(r.left[0].message, /give --config <config.json or model folder>/);
  });
});

// `graft export <checkpoint> --hf <dir> --config <dir>` as a user runs it: written, refused into a non-empty folder, forced.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as nn from '../../src/nn/index.js';
import { saveCheckpoint } from '../../src/train/checkpoint/index.js';
import { loadHfBert } from '../../src/train/hf/index.js';
import { right } from '../nn/harness.js';
import { tempDir, tinyConfig, tinyFolder } from '../train/hf/fixtures.js';

const run = promisify(execFile);

describe('graft export', () => {
  it('writes the folder, refuses to write into it again without --force, and overwrites with it', async () => {
    const { dir } = tinyFolder('F16', 1, 'cli');
    const loaded = right(loadHfBert(dir));
    const ckpt = join(tempDir('cli-ckpt'), 'model.safetensors');
    const shapes = nn.paramShapes(nn.bertClassifier(tinyConfig));
    right(saveCheckpoint(ckpt, { params: loaded.params, optState: {}, meta: { step: 0, epoch: 0, phaseDepth: 0, phaseProgress: null, generator: { seed: 0, step: 0 }, config: '' }, shapes: { params: shapes, optState: {} } }));
    const out = join(tempDir('cli-out'), 'exported');
    const args = ['bin/graft.mjs', 'export', ckpt, '--hf', out, '--config', dir];
    const first = await run(process.execPath, args);
    assert.match(first.stdout, new RegExp(`wrote ${out}: config.json and model.safetensors \\(BertForSequenceClassification, 2 layers, hidden 8, 3 labels, F32\\)`));
    assert.deepEqual(right(loadHfBert(out)).params, loaded.params);
    await assert.rejects(run(process.execPath, args), (e: { code?: number; stderr?: string }) =>
      e.code === 1 && e.stderr!.includes(`${out}: (file): not empty (config.json, model.safetensors); give --force`) && /1 problem; nothing written/.test(e.stderr!));
    await run(process.execPath, [...args, '--force']);
    assert.deepEqual(readdirSync(out).sort(), ['config.json', 'model.safetensors']);
  });
});

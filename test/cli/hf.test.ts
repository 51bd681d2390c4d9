// `graft import` and `graft export` as a user runs them: an HF folder into a checkpoint and back out, refused into a
// non-empty folder without --force, every problem printed with nothing written.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadHfBert, loadHfGpt2, saveHfGpt2 } from '../../src/train/hf/index.js';
import { right } from '../nn/harness.js';
import { tempDir, tinyFolder, tinyHfConfig, writeHfFolder } from '../train/hf/fixtures.js';

const run = promisify(execFile);
const graft = (...args: string[]) => run(process.execPath, ['bin/graft.mjs', ...args]);
type Failure = { code?: number; stdout?: string; stderr?: string };

describe('graft import / export', () => {
  it('import, then export without --config (the checkpoint records it): the same model; again refused without --force', async () => {
    const { dir } = tinyFolder('F16', 1, 'cli');
    const ckpt = join(tempDir('cli-ckpt'), 'model.safetensors');
    const imported = await graft('import', dir, '--out', ckpt);
    assert.match(imported.stdout, new RegExp(`wrote ${ckpt}: BertForSequenceClassification, 2 layers, hidden 8, 3 labels \\(neg, neutral, pos\\), \\d+ bytes`));
    const out = join(tempDir('cli-out'), 'exported');
    const exported = await graft('export', ckpt, '--hf', out);
    assert.match(exported.stdout, new RegExp(`wrote ${out}: config.json and model.safetensors \\(BertForSequenceClassification, 2 layers, hidden 8, 3 labels, F32\\)`));
    const [a, b] = [right(loadHfBert(dir)), right(loadHfBert(out))];
    assert.deepEqual([b.config, b.labels, b.params], [a.config, a.labels, a.params]);
    await assert.rejects(graft('export', ckpt, '--hf', out), (e: Failure) =>
      e.code === 1 && e.stderr!.includes(`${out}: (file): not empty (config.json, model.safetensors); give --force`) && /1 problem; nothing written/.test(e.stderr!));
    await graft('export', ckpt, '--hf', out, '--force', '--config', dir);
    assert.deepEqual(readdirSync(out).sort(), ['config.json', 'model.safetensors']);
  });

  it('import with other labels: a new head, said in a note; a broken folder: every problem, no checkpoint', async () => {
    const { dir } = tinyFolder('BF16', 1, 'cli-labels');
    const ckpt = join(tempDir('cli-ckpt'), 'model.safetensors');
    const r = await graft('import', dir, '--out', ckpt, '--labels', 'ham,spam');
    assert.match(r.stdout, /note: a new classifier for 2 labels/);
    assert.match(r.stdout, /2 labels \(ham, spam\)/);
    const bad = tempDir('cli-bad');
    writeHfFolder(bad, { config: tinyHfConfig({ is_decoder: true, hidden_act: 'swish' }), weights: {}, shapes: {} });
    const badCkpt = join(tempDir('cli-ckpt'), 'bad.safetensors');
    await assert.rejects(graft('import', bad, '--out', badCkpt), (e: Failure) =>
      e.code === 1 && e.stderr!.includes(`${join(bad, 'config.json')}: hidden_act:`) && e.stderr!.includes(`${join(bad, 'config.json')}: is_decoder:`) && /2 problems; nothing written/.test(e.stderr!));
    assert.ok(!existsSync(badCkpt));
    await assert.rejects(graft('import', dir, '--out', badCkpt, '--seed', '1.5', '--labels', 'a,,b'), (e: Failure) =>
      e.code === 2 && e.stderr!.includes('--seed: expected an integer in [0, 2^24), got "1.5"') && e.stderr!.includes('--labels: expected comma-separated names, got "a,,b"'));
    assert.ok(!existsSync(badCkpt));
  });

  it('GPT-2: a classifier folder and an LM folder imported, then exported without --config: the same model, read back alike', async () => {
    const source = fileURLToPath(new URL('../train/hf/fixtures/hf-gpt2-sharded', import.meta.url));
    const cls = right(loadHfGpt2(source, { task: 'classifier' }));
    // an LM folder written by graft's own saver from the fixture's weights
    const lmDir = join(tempDir('cli-gpt2-lm'), 'lm');
    const lm = right(loadHfGpt2(source, { task: 'lm' }));
    right(saveHfGpt2(lmDir, 'lm', lm.config, lm.labels, lm.params));
    for (const [dir, task, model, arch] of [[source, 'classifier', cls, 'GPT2ForSequenceClassification'], [lmDir, 'lm', lm, 'GPT2LMHeadModel']] as const) {
      const ckpt = join(tempDir('cli-gpt2-ckpt'), 'model.safetensors');
      const imported = await graft('import', dir, '--out', ckpt);
      const shape = `${arch}, ${model.config.numLayers} layers, hidden ${model.config.hiddenSize}`;
      assert.match(imported.stdout, new RegExp(`wrote ${ckpt}: ${shape}${task === 'classifier' ? ', 3 labels \\(neg, neutral, pos\\)' : ''}, \\d+ bytes`));
      const out = join(tempDir('cli-gpt2-out'), 'exported');
      const exported = await graft('export', ckpt, '--hf', out);
      assert.match(exported.stdout, new RegExp(`wrote ${out}: config.json and model.safetensors \\(${shape}${task === 'classifier' ? ', 3 labels' : ''}, F32\\)`));
      const back = right(loadHfGpt2(out, { task }));
      assert.deepEqual([back.config, back.labels, back.params], [model.config, model.labels, model.params]);
      assert.deepEqual(readdirSync(out).sort(), ['config.json', 'model.safetensors']);
    }
  });
});

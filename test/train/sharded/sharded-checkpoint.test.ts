import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../src/nn/index.js';
import { flatUnits, runLocal } from '../../../src/shard/index.js';
import { loadCheckpoint } from '../../../src/train/checkpoint/index.js';
import { loadSharded } from '../../../src/train/sharded/sharded-checkpoint.js';
import { CONSOLIDATED_FILE } from '../../../src/train/sharded/sharded-fit.js';
import { MLP_POLICY, MLP_SIZES, transformOf } from './mlp-setup.js';
import { buildStep, type StepPrograms } from '../../../src/optim/index.js';
import { checkpointShapes } from '../../../src/train/checkpoint/index.js';
import type { MlpFitInput, MlpFitResult } from './programs/mlp-fit.js';
import { unshardedMicroFit } from './reference.js';
import { createRuntime } from '../../../src/runtime/index.js';

const PROGRAM = new URL('./programs/mlp-fit.ts', import.meta.url);

const run = async (W: number, input: MlpFitInput) => {
  const out = await runLocal<MlpFitInput, MlpFitResult>({ size: W, entry: PROGRAM, input });
  if (E.isLeft(out)) assert.fail(out.left.join('\n'));
  const r = out.right[0];
  if (!r.ok) assert.fail(r.message);
  return r;
};

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

const model = nn.mlpClassifier(MLP_SIZES);
const shapes = nn.paramShapes(model);
const units = flatUnits(nn.modelSpec(model), MLP_POLICY);
// AdamW over the MLP: the unsharded runner's leaves and shapes (the consolidated file must hold exactly these)
const optShapes = checkpointShapes((buildStep(transformOf('adamw'), shapes) as E.Right<StepPrograms>).right).optState;

test('a sharded run resumed with another W (2 → 4 → 1) trains the bits of the uninterrupted run; the consolidated file is a plain checkpoint of them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-sharded-ckpt-'));
  const base: MlpFitInput = { strategy: 'FULL_SHARD', microBatches: 4, epochs: 3, optimizer: 'adamw', maxGradNorm: 0.5 };
  const whole = await run(2, base);
  const ckpt = join(dir, 'ckpt');
  const first = await run(2, { ...base, epochs: 1, checkpoint: { dir: ckpt, consolidated: true } });
  const second = await run(4, { ...base, epochs: 2, checkpoint: { dir: ckpt, consolidated: true }, resume: { dir: ckpt } });
  assert.equal(readdirSync(ckpt).filter((f) => f.startsWith('rank-')).length, 4, 'the W=4 set replaced the W=2 files');
  const third = await run(1, { ...base, checkpoint: { dir: ckpt, consolidated: true }, resume: { dir: ckpt } });
  assert.deepEqual([...first.losses, ...second.losses, ...third.losses], whole.losses);
  // each epoch's record goes out before its checkpoint: a stop between them leaves metrics ahead, never behind
  assert.deepEqual([first, second, third].map((r) => r.checkpointedAtRecord), [[0], [1], [2]]);
  assert.deepEqual(third.records.map((r) => r.epoch), [3]);
  for (const k of Object.keys(shapes)) assert.deepEqual(bits(third.params[k]), bits(whole.params[k]), k);
  const consolidated = loadCheckpoint(join(ckpt, CONSOLIDATED_FILE), { params: shapes, optState: optShapes });
  if (E.isLeft(consolidated)) assert.fail(consolidated.left.map((p) => p.message).join('\n'));
  assert.equal(consolidated.right.meta.step, 12);
  for (const k of Object.keys(shapes)) assert.deepEqual(bits(consolidated.right.params[k]), bits(whole.params[k]), `consolidated ${k}`);
  // its optimizer state is the unsharded run's, leaf for leaf
  const rt = await createRuntime({ backend: 'webasm' });
  const ref = await unshardedMicroFit(rt, base);
  rt.destroy();
  assert.deepEqual(Object.keys(consolidated.right.optState).sort(), Object.keys(ref.opt).sort());
  for (const k of Object.keys(ref.opt)) assert.deepEqual(bits(consolidated.right.optState[k]), bits(ref.opt[k]), `consolidated opt ${k}`);
  rmSync(dir, { recursive: true, force: true });
});

test('shards that disagree (another step, a replaced file, a missing one) are refused with every problem listed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-sharded-ckpt-'));
  const base: MlpFitInput = { strategy: 'FULL_SHARD', microBatches: 2, epochs: 1, optimizer: 'adamw', checkpoint: { dir: join(dir, 'a') } };
  await run(2, base);
  await run(2, { ...base, epochs: 2, checkpoint: { dir: join(dir, 'b') } });
  const expect = { units, shapes, optShapes };
  assert.ok(E.isRight(loadSharded(join(dir, 'a'), expect)), 'the untouched set loads');
  // rank 1's file of step 8 under the name of step 4's
  copyFileSync(join(dir, 'b', 'rank-1-of-2.step-8.safetensors'), join(dir, 'a', 'rank-1-of-2.step-4.safetensors'));
  const bad = loadSharded(join(dir, 'a'), expect);
  assert.ok(E.isLeft(bad));
  const text = bad.left.join('\n');
  assert.match(text, /rank-1-of-2\.step-4\.safetensors: step 8, but the index says 4/);
  assert.match(text, /rank-1-of-2\.step-4\.safetensors: checksum [0-9a-f]+, but the index recorded [0-9a-f]+: the file was replaced/);
  rmSync(join(dir, 'a', 'rank-0-of-2.step-4.safetensors'));
  const worse = loadSharded(join(dir, 'a'), expect);
  assert.ok(E.isLeft(worse));
  assert.match(worse.left.join('\n'), /rank-0-of-2\.step-4\.safetensors: \(file\): no such file/);
  assert.match(worse.left.join('\n'), /step 8, but the index says 4/, 'the other file\'s problems are listed too');
  const other = loadSharded(join(dir, 'b'), { ...expect, config: 'something else' });
  assert.ok(E.isLeft(other));
  assert.match(other.left.join('\n'), /config: written under settings mlp-adamw-2, this run's are something else/);
  assert.ok(!existsSync(join(dir, 'a', 'consolidated.safetensors')));
  rmSync(dir, { recursive: true, force: true });
});

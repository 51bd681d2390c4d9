// GPT-2 through graft's trainer: the classifier loaded from the transformers fixture fine-tunes on padded token rows
// (the mask and the last-non-pad pooling from the same rows), is exported, and reads back to the trained weights.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import * as o from '../../../src/optim/index.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import { fit } from '../../../src/train/fit.js';
import { maskedTokenRows } from '../../../src/train/classifier-objective.js';
import { packTokenRows } from '../../../src/train/data/token-rows.js';
import { loadHfGpt2, saveHfGpt2 } from '../../../src/train/hf/index.js';

let rt: Runtime;
before(async () => {
  rt = await createRuntime({ backend: 'wasm' });
});
after(() => rt.destroy());

test('a GPT-2 classifier from transformers fine-tunes, exports and reloads to the trained weights', async () => {
  const loaded = loadHfGpt2(fileURLToPath(new URL('./fixtures/hf-gpt2-f32', import.meta.url)), { task: 'classifier' });
  if (E.isLeft(loaded)) assert.fail(JSON.stringify(loaded.left));
  const { model, params, config, labels } = loaded.right;
  // label = the first token mod 3; rows of 2 to 6 tokens, padded with 0 (the config's pad id)
  const encodings = Array.from({ length: 16 }, (_, i) => ({ inputIds: Array.from({ length: 2 + (i % 5) }, (_, t) => 1 + ((i * 5 + t * 7) % 23)) }));
  const rows = E.getOrElseW(() => assert.fail('rows'))(packTokenRows(encodings, 6, 0));
  const data = { inputs: rows, labels: Int32Array.from(encodings, (e) => e.inputIds[0] % 3), count: 16, lengths: Int32Array.from(encodings, (e) => e.inputIds.length) };
  const res = await fit(rt, { model, input: maskedTokenRows, features: [3, 6], padMultiple: 2, transform: o.adamw(1e-2), epochs: 3, batchSize: 8, seed: 1 }, params, data, data);
  assert.ok(res.records[2].trainLoss < res.records[0].trainLoss, `loss ${res.records.map((r) => r.trainLoss.toFixed(3)).join(' -> ')}`);
  const dir = join(mkdtempSync(join(tmpdir(), 'gpt2-ft-')), 'model');
  assert.ok(E.isRight(saveHfGpt2(dir, 'classifier', config, labels, res.params)));
  const back = loadHfGpt2(dir, { task: 'classifier' });
  if (E.isLeft(back)) assert.fail(JSON.stringify(back.left));
  assert.deepEqual(back.right.params, Object.fromEntries(model.params.map((p) => [p.name, res.params[p.name]])));
  assert.notDeepEqual(back.right.params['score.weight'], params['score.weight']);
});

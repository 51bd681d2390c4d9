// The whole path a user takes: a folder transformers wrote -> graft -> fine-tuned by fit with attention masks and a
// new head -> fit's checkpoint -> exported (the run recorded its HF config) -> read back by the HF loader unchanged.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../src/nn/index.js';
import * as o from '../../../src/optim/index.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import { fit } from '../../../src/train/fit.js';
import { maskedTokenRows } from '../../../src/train/classifier-objective.js';
import { packTokenRows } from '../../../src/train/data/token-rows.js';
import { exportHfBert, hfBertConfigJson, loadHfBert } from '../../../src/train/hf/index.js';
import { right } from '../../nn/harness.js';
import { tempDir } from './fixtures.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/hf-bert-f32', import.meta.url));
const SEQ = 7;

/** Token ids of the fixture's 20-word vocabulary: [CLS] words [SEP], label 1 when "cat" (7) occurs. */
const examples = (count: number, seed: number) => {
  const encodings = Array.from({ length: count }, (_, i) => {
    const words = Array.from({ length: 2 + ((i * 7 + seed) % 4) }, (_, k) => 5 + ((i * 3 + k * 5 + seed) % 15));
    return { inputIds: [2, ...words, 3] };
  });
  const inputs = right(E.mapLeft((ps) => new Error(JSON.stringify(ps)))(packTokenRows(encodings, SEQ, 0)));
  return { inputs, labels: Int32Array.from(encodings, (e) => (e.inputIds.includes(7) ? 1 : 0)), count };
};

describe('fine-tune a Hugging Face checkpoint and export it', () => {
  let rt: Runtime;
  before(async () => {
    rt = await createRuntime({ backend: 'webasm' });
  });
  after(() => rt.destroy());

  it('fit’s checkpoint exports without --config, and the HF loader reads the trained values bit for bit', async () => {
    const loaded = right(loadHfBert(FIXTURE, { labels: ['other', 'cat'], seed: 1 }));
    const file = join(tempDir('ft'), 'run.safetensors');
    const result = await fit(rt, {
      model: nn.bertClassifier(loaded.config), input: maskedTokenRows, features: [3, SEQ],
      transform: o.adamw(1e-3, { weightDecay: 0 }), epochs: 2, batchSize: 4, seed: 3,
      checkpoint: { file, config: JSON.stringify(hfBertConfigJson(loaded.config, loaded.labels)) },
    }, loaded.params, examples(16, 1), examples(8, 2));
    const out = join(tempDir('ft-out'), 'model');
    const written = right(exportHfBert(file, undefined, out));
    assert.deepEqual(written.labels, ['other', 'cat']);
    const back = right(loadHfBert(out));
    assert.deepEqual(back.config, loaded.config);
    assert.deepEqual(back.params, result.params);
    const WORDS = 'bert.embeddings.word_embeddings.weight';
    const H = loaded.config.hiddenSize;
    assert.notDeepEqual(back.params[WORDS].slice(5 * H, 6 * H), loaded.params[WORDS].slice(5 * H, 6 * H), 'a word in the data trained');
    assert.deepEqual(back.params[WORDS].slice(0, H), loaded.params[WORDS].slice(0, H), 'the pad row did not');
  });
});

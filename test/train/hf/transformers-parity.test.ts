// Folders written by transformers' own save_pretrained (F32, BF16, sharded; fixtures/gen-hf-bert.py) load into
// graft and give PyTorch's logits; graft's export of them reads back identically; five AdamW steps agree with PyTorch's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as g from '../../../src/dsl/index.js';
import * as nn from '../../../src/nn/index.js';
import * as o from '../../../src/optim/index.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import { createOptimizerRunner } from '../../../src/train/optimizer-runner.js';
import { loadHfBert, saveHfBert } from '../../../src/train/hf/index.js';
import { assertClose, build, right, runCompiled, useRuntimes } from '../../nn/harness.js';
import { tempDir } from './fixtures.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const golden = JSON.parse(readFileSync(join(FIXTURES, 'hf-bert-logits.json'), 'utf8')) as {
  inputs: { input_ids: number[][]; attention_mask: number[][]; token_type_ids: number[][] };
  logits: Record<string, number[][]>;
};
const rts = useRuntimes();

const forward = (config: nn.BertConfig) => {
  const [batch, seq] = [golden.inputs.input_ids.length, golden.inputs.input_ids[0].length];
  const model = nn.bertClassifier(config);
  return build({ ...nn.paramShapes(model), ids: { shape: [batch, seq], dtype: 'i32' }, mask: [batch, seq], types: { shape: [batch, seq], dtype: 'i32' } }, (i) => ({
    logits: model.apply(i, { inputIds: i.ids, attentionMask: i.mask, tokenTypeIds: i.types }, nn.evalCtx),
  }));
};
const feeds = { ids: golden.inputs.input_ids.flat(), mask: golden.inputs.attention_mask.flat(), types: golden.inputs.token_type_ids.flat() };

describe('checkpoints saved by transformers', () => {
  for (const variant of ['f32', 'bf16', 'sharded']) {
    it(`${variant}: loaded without notes, graft’s logits are PyTorch’s (float64 interpreter and compiled backends)`, async () => {
      const loaded = right(loadHfBert(join(FIXTURES, `hf-bert-${variant}`)));
      assert.deepEqual(loaded.notes, []);
      assert.deepEqual(loaded.labels, ['neg', 'neutral', 'pos']);
      const prog = forward(loaded.config);
      const want = golden.logits[variant].flat();
      assertClose(right(g.interpret(prog, { ...loaded.params, ...feeds })).logits, want, { atol: 2e-6, rtol: 2e-6 }, 'interpret');
      for (const rt of rts) assertClose((await runCompiled(rt, prog, { ...loaded.params, ...feeds })).logits, want, { atol: 5e-6, rtol: 5e-6 }, rt.report.backend);
    });
  }

  it('the bf16 weights differ from the f32 ones in the logits (the fixtures test the widening, not a copy)', () => {
    const [a, b] = [golden.logits.f32.flat(), golden.logits.bf16.flat()];
    assert.ok(a.some((v, i) => Math.abs(v - b[i]) > 1e-3));
  });

  it('saved back by graft and loaded again: the same parameters bit for bit', () => {
    const loaded = right(loadHfBert(join(FIXTURES, 'hf-bert-bf16')));
    const out = join(tempDir('parity'), 'm');
    right(saveHfBert(out, loaded.config, loaded.labels, loaded.params));
    assert.deepEqual(right(loadHfBert(out)).params, loaded.params);
  });
});

describe('five AdamW steps against torch.optim.AdamW (fixtures/hf-bert-finetune.json)', () => {
  const ft = JSON.parse(readFileSync(join(FIXTURES, 'hf-bert-finetune.json'), 'utf8')) as { labels: number[]; lr: number; weight_decay: number; steps: number; losses: number[]; after: Record<string, number[]> };
  let rt: Runtime;
  before(async () => {
    rt = await createRuntime({ backend: 'webasm' });
  });
  after(() => rt.destroy());

  /** The same steps in graft: no attention mask, so the pad tokens are attended as in the golden run. */
  const train = async (padTokenId: number | null) => {
    const loaded = right(loadHfBert(join(FIXTURES, 'hf-bert-f32')));
    const config = { ...loaded.config, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0, classifierDropout: 0, padTokenId };
    const model = nn.bertClassifier(config);
    const [batch, seq] = [2, golden.inputs.input_ids[0].length];
    const objective: o.Objective = {
      inputs: { ids: { shape: [batch, seq], dtype: 'i32' }, types: { shape: [batch, seq], dtype: 'i32' }, y: { shape: [batch], dtype: 'i32' } },
      build: (p, i) => ({ loss: nn.crossEntropy(model.apply(p, { inputIds: i.ids, tokenTypeIds: i.types }, nn.evalCtx), i.y) }),
    };
    const runner = right(createOptimizerRunner(rt, o.adamw(ft.lr, { weightDecay: ft.weight_decay }), nn.paramShapes(model), objective));
    let s = right(await runner.init(loaded.params));
    const losses: number[] = [];
    const feeds = { ids: Float32Array.from(feeds0.ids), types: Float32Array.from(feeds0.types), y: Float32Array.from(ft.labels) };
    for (let k = 0; k < ft.steps; k++) {
      s = right(await runner.step(s, feeds));
      losses.push(s.metrics!.loss);
    }
    runner.destroy();
    return { losses, params: s.params };
  };
  const feeds0 = { ids: golden.inputs.input_ids.flat(), types: golden.inputs.token_type_ids.flat() };
  const WORDS = 'bert.embeddings.word_embeddings.weight';

  it('losses and the trained word embeddings and classifier agree with PyTorch; the pad row only decays', async () => {
    const { losses, params } = await train(0);
    assertClose(losses, ft.losses, { atol: 1e-6, rtol: 1e-6 }, 'losses');
    for (const [n, want] of Object.entries(ft.after)) assertClose(params[n], want, { atol: 1e-6, rtol: 1e-5 }, n);
  });

  it('without padding_idx the pad row drifts from PyTorch (what graft did before)', async () => {
    const { params } = await train(null);
    const H = 8;
    const drift = Math.max(...Array.from(params[WORDS].slice(0, H), (v, j) => Math.abs(v - ft.after[WORDS][j])));
    assert.ok(drift > 1e-4, `pad row drift ${drift}`);
  });
});

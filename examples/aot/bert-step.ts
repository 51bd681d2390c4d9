// An entry for `graft compile`: a small BERT classifier's training step (nn.bertClassifier: forward
// with dropout keyed per step, cross-entropy, backward and AdamW in one program).
//   npx graft compile examples/aot/bert-step.ts --out build/bert-step.mjs
import * as g from 'graft';

export const BATCH = 8;
export const SEQ = 32;
export const config: g.nn.BertConfig = { vocabSize: 1000, hiddenSize: 128, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 512, maxPositionEmbeddings: 64, numLabels: 2 };

const model = g.nn.bertClassifier(config);

const objective: g.optim.Objective = {
  inputs: { ids: { shape: [BATCH, SEQ], dtype: 'i32' }, y: { shape: [BATCH], dtype: 'i32' }, key: { shape: [], dtype: 'i32' } },
  build: (params, { ids, y, key }) => {
    const logits = model.apply(params, { inputIds: ids }, g.nn.trainCtx(key));
    return { loss: g.nn.crossEntropy(logits, y), metrics: { accuracy: g.nn.accuracy(logits, y) } };
  },
};

export const train = g.optim.buildStep(g.optim.adamw(2e-5, { weightDecay: 0.01 }), g.nn.paramShapes(model), objective);

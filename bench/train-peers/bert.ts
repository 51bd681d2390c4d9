// The BERT classifier for the training suite and the profile: graft's nn.bertClassifier (HF
// BertForSequenceClassification) at 4 layers, hidden 128, 4 heads, sequence 128, with dropout off so every
// implementation computes the same step; the peers rebuild it from graft's parameters (bench/train-peers/*-bert.ts).
import type { Params } from './types.js';

/** A small vocabulary keeps the word embedding (and its one-hot gradient) from dwarfing the encoder. */
export const BERT_BENCH = { vocabSize: 1000, hiddenSize: 128, numHiddenLayers: 4, numAttentionHeads: 4, intermediateSize: 512, maxPositionEmbeddings: 128, numLabels: 2, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 } as const;
export type BertBench = typeof BERT_BENCH;
export const BERT_SEQ = 128;
/** graft's BERT default (HF's layer_norm_eps). */
export const BERT_LN_EPS = 1e-12;

/** A deterministic batch of token ids 1..vocab-1 (never the padding id 0) and labels 0..numLabels-1. */
export const bertBatch = (batch: number, k: number, seq = BERT_SEQ, c: BertBench = BERT_BENCH) => {
  let s = (k + 1) >>> 0;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return { x: Float32Array.from({ length: batch * seq }, () => 1 + Math.floor(r() * (c.vocabSize - 1))), y: Int32Array.from({ length: batch }, () => Math.floor(r() * c.numLabels)) };
};

/** A linear layer's graft names, its input and output widths. */
export interface LinearAt {
  readonly at: string;
  readonly inF: number;
  readonly out: number;
}

/** Every linear layer of the classifier, in graft's names (weights [out, in]). */
export const bertLinears = (c: BertBench): LinearAt[] => {
  const h = c.hiddenSize;
  const perLayer = (n: number): LinearAt[] => {
    const at = `bert.encoder.layer.${n}`;
    return [
      ...['query', 'key', 'value'].map((q) => ({ at: `${at}.attention.self.${q}`, inF: h, out: h })),
      { at: `${at}.attention.output.dense`, inF: h, out: h },
      { at: `${at}.intermediate.dense`, inF: h, out: c.intermediateSize },
      { at: `${at}.output.dense`, inF: c.intermediateSize, out: h },
    ];
  };
  return [...Array.from({ length: c.numHiddenLayers }, (_, n) => perLayer(n)).flat(), { at: 'bert.pooler.dense', inF: h, out: h }, { at: 'classifier', inF: h, out: c.numLabels }];
};

/** Every LayerNorm's graft name. */
export const bertNorms = (c: BertBench): string[] => [
  'bert.embeddings.LayerNorm',
  ...Array.from({ length: c.numHiddenLayers }, (_, n) => [`bert.encoder.layer.${n}.attention.output.LayerNorm`, `bert.encoder.layer.${n}.output.LayerNorm`]).flat(),
];

/**
 * graft's parameters as the peers hold them: linear weights transposed to [in, out] (x @ W), everything else as
 * graft lays it out; each with its shape. Fails naming the parameter that is missing or mis-sized.
 */
export const bertPeerParams = (c: BertBench, params: Params): Record<string, { data: Float32Array; shape: number[] }> => {
  const out: Record<string, { data: Float32Array; shape: number[] }> = {};
  const take = (name: string, shape: number[]) => {
    const v = params[name];
    const n = shape.reduce((a, b) => a * b, 1);
    if (!v || v.length !== n) throw new Error(`BERT peer: expected ${name} with ${n} values [${shape.join(', ')}]`);
    return v;
  };
  const h = c.hiddenSize;
  out['bert.embeddings.word_embeddings.weight'] = { data: take('bert.embeddings.word_embeddings.weight', [c.vocabSize, h]).slice(), shape: [c.vocabSize, h] };
  out['bert.embeddings.position_embeddings.weight'] = { data: take('bert.embeddings.position_embeddings.weight', [c.maxPositionEmbeddings, h]).slice(), shape: [c.maxPositionEmbeddings, h] };
  out['bert.embeddings.token_type_embeddings.weight'] = { data: take('bert.embeddings.token_type_embeddings.weight', [2, h]).slice(), shape: [2, h] };
  for (const n of bertNorms(c)) for (const leaf of ['weight', 'bias']) out[`${n}.${leaf}`] = { data: take(`${n}.${leaf}`, [h]).slice(), shape: [h] };
  for (const l of bertLinears(c)) {
    const w = take(`${l.at}.weight`, [l.out, l.inF]);
    const t = new Float32Array(w.length);
    for (let r = 0; r < l.out; r++) for (let k = 0; k < l.inF; k++) t[k * l.out + r] = w[r * l.inF + k];
    out[`${l.at}.weight`] = { data: t, shape: [l.inF, l.out] };
    out[`${l.at}.bias`] = { data: take(`${l.at}.bias`, [l.out]).slice(), shape: [l.out] };
  }
  return out;
};

// The configuration of a BERT encoder classifier, with Hugging Face's BertConfig fields in camelCase.

export interface BertConfig {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly intermediateSize: number;
  readonly maxPositionEmbeddings: number;
  /** 0 leaves out token_type_embeddings; default 2. */
  readonly typeVocabSize?: number;
  readonly numLabels: number;
  /** Default 'gelu' (exact, erf) as HF BERT; 'gelu_tanh' for the tanh form. */
  readonly hiddenAct?: 'gelu' | 'gelu_tanh' | 'relu';
  /** Default 0.1. */
  readonly hiddenDropoutProb?: number;
  /** Default 0.1. */
  readonly attentionProbsDropoutProb?: number;
  /** Default hiddenDropoutProb. */
  readonly classifierDropout?: number;
  /** Default 1e-12. */
  readonly layerNormEps?: number;
  /** Std of the normal initialisation of Linear and Embedding weights; default 0.02. */
  readonly initializerRange?: number;
  /** HF's pad_token_id: the word-embedding row torch's nn.Embedding(padding_idx) never trains; default 0, null for none. */
  readonly padTokenId?: number | null;
}

export type ResolvedBertConfig = Required<BertConfig>;

export const resolveBertConfig = (c: BertConfig): ResolvedBertConfig => {
  const hiddenDropoutProb = c.hiddenDropoutProb ?? 0.1;
  const r: ResolvedBertConfig = {
    typeVocabSize: 2,
    hiddenAct: 'gelu',
    attentionProbsDropoutProb: 0.1,
    classifierDropout: hiddenDropoutProb,
    layerNormEps: 1e-12,
    initializerRange: 0.02,
    padTokenId: 0,
    ...c,
    hiddenDropoutProb,
  };
  if (r.hiddenSize % r.numAttentionHeads !== 0) throw new RangeError(`hiddenSize ${r.hiddenSize} is not a multiple of numAttentionHeads ${r.numAttentionHeads}`);
  if (r.padTokenId !== null && !(Number.isInteger(r.padTokenId) && r.padTokenId >= 0 && r.padTokenId < r.vocabSize)) throw new RangeError(`padTokenId ${r.padTokenId} is not a row of the ${r.vocabSize}-word embedding`);
  return r;
};

/** bert-base-uncased with a classification head of `numLabels`. */
export const bertBaseConfig = (numLabels = 2): BertConfig => ({
  vocabSize: 30522,
  hiddenSize: 768,
  numHiddenLayers: 12,
  numAttentionHeads: 12,
  intermediateSize: 3072,
  maxPositionEmbeddings: 512,
  numLabels,
});

/**
 * Dropout sites (each owns its own counters; see dropout.ts) in forward order: embeddings 0; layer
 * n: attention probabilities 1+3n, attention output 2+3n, layer output 3+3n; classifier 1+3L.
 */
export const bertSites = {
  embeddings: 0,
  attentionProbs: (n: number) => 1 + 3 * n,
  attentionOutput: (n: number) => 2 + 3 * n,
  output: (n: number) => 3 + 3 * n,
  classifier: (layers: number) => 1 + 3 * layers,
} as const;

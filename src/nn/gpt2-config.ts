// The configuration of GPT-2 (Radford et al. 2019), with Hugging Face's GPT2Config fields in camelCase.

export interface Gpt2Config {
  readonly vocabSize: number;
  /** n_positions. */
  readonly maxPositions: number;
  /** n_embd. */
  readonly hiddenSize: number;
  /** n_layer. */
  readonly numLayers: number;
  /** n_head. */
  readonly numHeads: number;
  /** n_inner; default 4·hiddenSize. */
  readonly innerSize?: number;
  /** Default 'gelu_tanh' (HF's gelu_new). */
  readonly activation?: 'gelu' | 'gelu_tanh' | 'relu';
  /** embd_pdrop, attn_pdrop, resid_pdrop; default 0.1 each. */
  readonly embdDropout?: number;
  readonly attnDropout?: number;
  readonly residDropout?: number;
  /** layer_norm_epsilon; default 1e-5. */
  readonly layerNormEps?: number;
  /** Default 0.02. */
  readonly initializerRange?: number;
  /** For the sequence classifier; default 2. */
  readonly numLabels?: number;
  /** The classifier scores the last token that is not this id (null: the last position), as HF's. */
  readonly padTokenId?: number | null;
}

export type ResolvedGpt2Config = Required<Gpt2Config>;

export const resolveGpt2Config = (c: Gpt2Config): ResolvedGpt2Config => {
  const r: ResolvedGpt2Config = { innerSize: 4 * c.hiddenSize, activation: 'gelu_tanh', embdDropout: 0.1, attnDropout: 0.1, residDropout: 0.1, layerNormEps: 1e-5, initializerRange: 0.02, numLabels: 2, padTokenId: null, ...c };
  if (r.hiddenSize % r.numHeads !== 0) throw new RangeError(`hiddenSize ${r.hiddenSize} is not a multiple of numHeads ${r.numHeads}`);
  return r;
};

/** Dropout sites in forward order: embeddings 0; layer n: attention probabilities 1+3n, attention output 2+3n, MLP output 3+3n. */
export const gpt2Sites = {
  embeddings: 0,
  attentionProbs: (n: number) => 1 + 3 * n,
  attentionOutput: (n: number) => 2 + 3 * n,
  mlp: (n: number) => 3 + 3 * n,
} as const;

// Shared shapes for the training suite: the model and optimizer being trained, the batches, and what an
// implementation (graft's, through bench/train-graft.ts, or a peer here) must provide.
import type { BackendChoice } from '../../src/runtime/index.js';
import type { BertBench } from './bert.js';

/** One training configuration: an MLP (or, with `bert`, a BERT) classifier, softmax cross-entropy, torch.optim.AdamW, one batch size. */
export interface TrainSpec {
  /** The row name in the table: `mlp-784-128-10`. */
  readonly name: string;
  /** Layer widths, inputs first, classes last (graft's mlpClassifier sizes; ReLU between layers). */
  readonly sizes: readonly number[];
  /** A BERT classifier instead (graft's nn.bertClassifier at this config): `sizes` is then [sequence, labels] and a batch's x holds token ids. */
  readonly bert?: BertBench;
  readonly batch: number;
  readonly lr: number;
  readonly b1: number;
  readonly b2: number;
  readonly eps: number;
  readonly wd: number;
}

/** A batch of digits: `batch` rows of 784 floats in [0, 1], and their labels 0..9 (BERT: token ids as floats, labels). */
export interface Batch {
  readonly x: Float32Array;
  readonly y: Int32Array;
}

/**
 * Initial parameters in graft's (PyTorch's) names and layout: `layers.i.weight` [out, in] row-major and
 * `layers.i.bias` [out], as nn.initParams makes them. Peers copy (and transpose where they store [in, out]).
 */
export type Params = Readonly<Record<string, Float32Array>>;

/**
 * One implementation of one configuration.
 *   load    make its own copies of these batches ahead of time (tensors, arrays): steps only read them
 *   reset   load a copy of `params`, zero the optimizer state, step counter 0, next batch the first loaded one
 *   run     `steps` training steps over the loaded batches in order (cycling), each complete when run returns;
 *           with `losses`, also each step's loss (at the parameters before that step's update)
 *   ran     what really ran, for the table's backend and executor columns (after at least one step)
 */
export interface TrainImpl {
  readonly impl: string;
  /** How this implementation does AdamW, for the log (tfjs has no AdamW, so its peer composes one). */
  readonly note?: string;
  load(batches: readonly Batch[]): Promise<void>;
  reset(params: Params): Promise<void>;
  run(steps: number, losses?: boolean): Promise<number[]>;
  ran(): Promise<{ backend: string; executor: string }>;
  close(): Promise<void>;
}

export interface BenchEnv {
  readonly backend: BackendChoice;
  readonly quick: boolean;
}

export type TrainFactory = (spec: TrainSpec, env: BenchEnv) => Promise<TrainImpl | { skip: string; reason: string }>;

/** Layer i's weight [out, in] and bias [out] from graft's parameter names, with both widths. */
export const layerParams = (spec: TrainSpec, params: Params) =>
  spec.sizes.slice(1).map((out, i) => {
    const inF = spec.sizes[i];
    const weight = params[`layers.${i}.weight`];
    const bias = params[`layers.${i}.bias`];
    if (!weight || weight.length !== out * inF || !bias || bias.length !== out) throw new Error(`layer ${i}: expected layers.${i}.weight [${out}, ${inF}] and layers.${i}.bias [${out}]`);
    return { inF, out, weight, bias };
  });

/** [rows, cols] row-major -> [cols, rows] row-major. */
export const transpose = (a: Float32Array, rows: number, cols: number): Float32Array => {
  const t = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
  return t;
};

/** Labels as a one-hot [batch, classes] f32 matrix (both peers take one-hot targets). */
export const oneHot = (y: Int32Array, classes: number): Float32Array => {
  const out = new Float32Array(y.length * classes);
  y.forEach((c, i) => (out[i * classes + c] = 1));
  return out;
};

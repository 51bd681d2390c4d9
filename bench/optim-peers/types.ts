// Shared shapes for the optimizer suite: the two steps, their hyperparameters, the start state, and what an
// implementation (a peer here, or graft's through the hook in bench/optim.ts) must provide.
import type { BackendChoice } from '../../src/runtime/index.js';

/** `adamw`: torch.optim.AdamW. `ctf`: ChildTuning-AdamW mode F, Hugging Face flavour (see shared/reference/child-tuning.md). */
export type StepKind = 'adamw' | 'ctf';

export interface Hyper {
  readonly lr: number;
  readonly b1: number;
  readonly b2: number;
  readonly eps: number;
  readonly wd: number;
  /** Probability of keeping each gradient element (ctf only; 1 keeps all: the mask-free math). */
  readonly reserveP: number;
}

export interface StepSpec extends Hyper {
  readonly kind: StepKind;
  /** The row name in the table: 'adamw' or 'ctf-adamw'. */
  readonly name: string;
  /** Steps in one timed sample, for every implementation alike. */
  readonly stepsPerSample: number;
}

/** Start state: parameters, a fixed gradient (read every step), both moments; the step counter starts at 0. */
export interface OptimState {
  readonly p: Float32Array;
  readonly g: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
}

export interface OptimResult {
  readonly p: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
}

/**
 * One implementation of one step kind at one size.
 *   reset   load a copy of `s0` (step counter 0, a fresh random stream); `reserveP` overrides the spec's for ctf
 *           (verification runs reserveP = 1 to check the mask-free math, then the spec's to check the mask)
 *   sample  run spec.stepsPerSample steps and return when their results are complete (not merely queued)
 *   state   the current p, m, v (copies are fine)
 *   ran     what really ran, for the table's backend and executor columns
 */
export interface OptimImpl {
  readonly impl: string;
  /** Steps done per call, for the `steps` column: 1 for a call per step, the loop length for a fused multistep. */
  readonly steps: number;
  /** Hyperparameters this implementation differs on, which verification applies (tfjs's Adam has no weight decay). */
  readonly overrides?: Partial<Hyper>;
  reset(s0: OptimState, reserveP: number): Promise<void>;
  sample(): Promise<void>;
  state(): Promise<OptimResult>;
  ran(): { backend: string; executor: string };
  /** When present: per-sample ms the implementation timed itself (the C child), used instead of the harness's clock. */
  selfTimed?(): number[];
  close(): Promise<void>;
}

/** What the bench run was asked for; peers ignore it, graft's implementations take their backend from it. */
export interface BenchEnv {
  readonly backend: BackendChoice;
  readonly quick: boolean;
}

/** Makes an implementation for a step and a size, or says why it cannot (the suite emits a `skip` line). */
export type ImplFactory = (spec: StepSpec, n: number, env: BenchEnv) => Promise<OptimImpl | { skip: string; reason: string }>;

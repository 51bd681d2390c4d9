// The model, wrap policy and optimizers the sharded-fit tests share between the rank program and the reference.
import * as o from '../../../src/optim/index.js';
import type { WrapPolicy } from '../../../src/shard/index.js';
import type { PhaseMachineConfig } from '../../../src/optim/phases/index.js';

/** 40, 72 and 27 parameters in three units: W = 4 cuts every unit inside a parameter, and pads the last. */
export const MLP_SIZES = [4, 8, 8, 3];
export const MLP_POLICY: WrapPolicy = { names: ['layers\\.\\d+'] };

export type OptimizerChoice = 'adamw' | 'childTuningF' | 'childTuningD';

/** Child-Tuning D's fixed masks for the weight matrices: a hashed pattern keeping about half, different per element. */
export const MLP_MASKS: Record<string, Uint8Array> = Object.fromEntries(
  MLP_SIZES.slice(1).map((out, i) => [`layers.${i}.weight`, Uint8Array.from({ length: out * MLP_SIZES[i] }, (_, k) => (Math.imul(k + 17 * i, 0x9e3779b1) >>> 31) & 1)]),
);

/** The optimizer over whole parameters (the reference), or cut to a rank's pieces (`sliceMasks` for D, whose masks default to MLP_MASKS). */
export const transformOf = (choice: OptimizerChoice, sliceMasks: (m: Record<string, Uint8Array>) => Record<string, ArrayLike<number>> = (m) => m, masks: Record<string, Uint8Array> = MLP_MASKS) =>
  choice === 'adamw' ? o.adamw(0.05)
  : choice === 'childTuningF' ? o.childTuningAdamW(0.05, { mode: 'F', reserveP: 0.5, seed: 9, weightDecay: 0.01 })
  : o.childTuningAdamW(0.05, { mode: 'D', masks: sliceMasks(masks), weightDecay: 0.01 });

/** The scheduled runs' phases: one unit per phase from the head down, two epochs each, restoring the best state at a thaw. */
export const mlpMachine = (phases: readonly (readonly string[])[] = [2, 1, 0].map((i) => [`layers.${i}.weight`, `layers.${i}.bias`])): PhaseMachineConfig => ({
  phases: phases.map((params, k) => ({ params, maxTransitionEpoch: k === phases.length - 1 ? -1 : 2 * (k + 1), ...(k > 0 ? { lr: 0.02 } : {}) })),
  maxDepth: -1, epochTransitionsOnly: false, restoreBest: true, baseMaxLr: 0.02,
  earlyStopping: { mode: 'min', patience: 2, minDelta: 0 }, maxEpochs: 6,
});

/** A group's optimizer: its phase's lr, phase 0's own otherwise. */
export const mlpGroupTransform = (lr: number | undefined, decay: boolean) => o.adamw(lr ?? 0.05, { weightDecay: decay ? 0.01 : 0 });

// The model, wrap policy and optimizers the sharded-fit tests share between the rank program and the reference.
import * as o from '../../../src/optim/index.js';
import type { WrapPolicy } from '../../../src/shard/index.js';

/** 40, 72 and 27 parameters in three units: W = 4 cuts every unit inside a parameter, and pads the last. */
export const MLP_SIZES = [4, 8, 8, 3];
export const MLP_POLICY: WrapPolicy = { names: ['layers\\.\\d+'] };

export type OptimizerChoice = 'adamw' | 'childTuningF';

export const transformOf = (choice: OptimizerChoice) =>
  choice === 'adamw' ? o.adamw(0.05) : o.childTuningAdamW(0.05, { mode: 'F', reserveP: 0.5, seed: 9, weightDecay: 0.01 });

// The fine-tuning loop as the package exports it: fit and scheduledFit, their checkpoints and
// resume points, how batches reach a model, and the optimizer runner they drive.
export type { Examples, EpochRecord, FitConfig, FitEarlyStopping, FitResult } from './fit.js';
export { fit } from './fit.js';
export type { ScheduledFitConfig, ScheduledRecord, ScheduledResult } from './scheduled-fit.js';
export { scheduledFit } from './scheduled-fit.js';
export type { FitCheckpointing, FitProgress, FitResume } from './fit-checkpoint.js';
export { loadResumePoint } from './fit-checkpoint.js';
export type { ScheduledCheckpointing, ScheduledProgress, ScheduledResume } from './scheduled-checkpoint.js';
export { loadScheduledResume } from './scheduled-checkpoint.js';
export type { ModelInput } from './classifier-objective.js';
export { featureRows, maskedTokenRows, tokenRows } from './classifier-objective.js';
export { packTokenRows } from './data/token-rows.js';
export * as mnist from './data/mnist.js';
export { batches, permutation } from './data/shuffle.js';
export type { FisherPassOptions } from './fisher-pass.js';
export { fisherScores } from './fisher-pass.js';
export type { OptimizerRunner, OptimizerState, Values } from './optimizer-runner.js';
export { createOptimizerRunner } from './optimizer-runner.js';
export type { CheckpointProblem } from './checkpoint/index.js';
export { formatCheckpointProblem } from './checkpoint/index.js';
export * from './hf/index.js';

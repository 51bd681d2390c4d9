// Optimizers, masks and schedules as values of the tensor language. Describes; never executes.
export type { Transform, StepContext, AnyTransform } from './transform.js';
export { identity } from './transform.js';
export type { ParamTree, StateTree } from './tree.js';
export { mapTree, zipTrees, flattenState, unflattenState, globalOffsets } from './tree.js';
export { chain } from './combinators/chain.js';
export type { Labelling } from './combinators/partition.js';
export { partition, groupsOf, labelOf } from './combinators/partition.js';
export type { NameSelector } from './combinators/select.js';
export { masked } from './combinators/masked.js';
export { applyIfFinite, allFinite } from './combinators/apply-if-finite.js';
export { multiSteps } from './combinators/multi-steps.js';
export { injectHyperparams } from './combinators/inject-hyperparams.js';
export type { AdamOptions, AdamState } from './transforms/scale-by-adam.js';
export { scaleByAdam } from './transforms/scale-by-adam.js';
export type { LearningRate } from './transforms/learning-rate.js';
export { scaleByLearningRate, scale } from './transforms/learning-rate.js';
export { addDecayedWeights, decayAfterUpdate } from './transforms/weight-decay.js';
export { clipByGlobalNorm, clipEachByNorm, globalNorm } from './transforms/clip.js';
export type { ChildTuningMode } from './transforms/child-tuning.js';
export { childTuning } from './transforms/child-tuning.js';
export { sgd, adam, adamw, hfAdamW, childTuningAdamW, traceMomentum } from './aliases.js';
export type { Schedule, Scalar, PolynomialOptions, LinearOptions, WarmupConstantOptions, ExponentialDecayOptions, RateEveryOptions, WarmupExponentialDecayOptions, CosineDecayOptions, WarmupCosineDecayOptions, BoundariesAndScales, InterpolateType, OnecycleOptions, WarmupOptions } from './schedules.js';
export {
  constantSchedule,
  polynomialSchedule,
  linearSchedule,
  warmupConstantSchedule,
  exponentialDecay,
  stepDecay,
  warmupExponentialDecaySchedule,
  cosineDecaySchedule,
  warmupCosineDecaySchedule,
  sgdrSchedule,
  piecewiseConstant,
  piecewiseConstantSchedule,
  piecewiseInterpolateSchedule,
  linearOnecycleSchedule,
  cosineOnecycleSchedule,
  joinSchedules,
  linearWarmupDecay,
  cosineWarmupDecay,
  lrAt,
  numberScalar,
  tensorScalar,
} from './schedules.js';
export type { DecayGroups } from './decay-groups.js';
export { DEFAULT_NO_DECAY, decayGroups, describeDecayGroups, withDecayGroups } from './decay-groups.js';
export type { StepPrograms, FixedInput } from './step.js';
export { buildStep, names as stepNames } from './step.js';
export type { Objective } from './step.js';
export { gradientProgram } from './gradient-program.js';
export type { FisherMask, FisherSelection } from './fisher.js';
export { DEFAULT_FISHER_SELECTION, fisherSelection, fisherAccumulator, percentile, fisherMask } from './fisher.js';
export type { ModelSpec, ModuleSpec, ParamSpec, SpecProblem } from './model-spec.js';
export { decodeModelSpec, ModelSpecCodec } from './model-spec.js';
export * as phases from './phases/index.js';

// Sharding: wrap policies, flat units, how a unit's buffer is laid over ranks, and which phase schedules the units allow.
export type { WrapPolicy } from './wrap-policy.js';
export { WrapPolicyCodec, decodeWrapPolicy, wrapPredicate, policyAgainstSpec } from './wrap-policy.js';
export type { Unit, Shapes } from './units.js';
export { ROOT_UNIT, numel, shapesOf, isRootUnit, containsModule, unitOfParam, flatUnits, unitIndex } from './units.js';
export type { ParamPiece, ParamSlot, RankShard, UnitLayout } from './layout.js';
export { unitLayout, shardLayout, pieceKind } from './layout.js';
export { describeLayout, unitLabel } from './describe-layout.js';
export type { PhaseRef, FlagMode, UnitRef, ModuleSpansPhases, BufferSpansPhases, Phase0Unwrapped, BadAssignment, DisjointnessProblem, DisjointnessResult } from './disjointness-problems.js';
export { ROOT_HINT, comparePhases } from './disjointness-problems.js';
export type { PhaseAssignment } from './disjointness.js';
export { checkDisjointness } from './disjointness.js';
export { describeProblem, describeProblems } from './describe-problems.js';
export { suggestWraps } from './wrap-suggestions.js';
export { BERT_BASE, bertSpec } from './fixtures/bert.js';
export * from './collectives/index.js';

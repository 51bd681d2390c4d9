// Generators and laws users can run against their own programs, schedules and optimizers.
export { arbProgram } from './programs.js';
export type { GeneratedProgram, ProgramOptions } from './programs.js';
export { DEFAULT_TOLERANCE, firstMismatch } from './tolerance.js';
export type { Mismatch } from './tolerance.js';
export { propertyParams, DEFAULT_SEED } from './seed.js';
export { compiledMatchesReference } from './laws.js';
export { arbWarmupDecay, warmupDecayLaws } from './schedules.js';
export type { WarmupDecayCase } from './schedules.js';
export { trajectory, sameTrajectory } from './optim.js';
export { arbShardCase, disjointnessOracle, disjointnessLaws, layoutLaws } from './shard.js';
export type { ShardCase, OracleVerdict } from './shard.js';
export { arbModelSpec, arbScheduleFor, arbScheduleCase, scheduleValidatesLaw, printParseLaw } from './phases.js';
export type { ScheduleCase } from './phases.js';
export { arbPhaseEvents, arbPhaseRun, phaseMachineLaws } from './phase-machine.js';
export type { PhaseRun } from './phase-machine.js';
export { arbDifferentiable } from './differentiable.js';
export type { DifferentiableCase, DifferentiableOptions } from './differentiable.js';
export { smoothnessMargin, SMOOTH } from './smoothness.js';

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

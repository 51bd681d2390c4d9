// Phase schedules (Fine-Tuning Scheduler semantics): parse, validate against a model, generate, print, and step.
export type { PhaseProblem, ProblemCode } from './problem.js';
export { formatProblem } from './problem.js';
export type { Schedule, Phase, ClassInit, OptimizerReinit, LrSchedulerReinit, PhaseKey } from './schedule.js';
export { NO_MAX_TRANSITION_EPOCH, PHASE_KEYS, PhaseFieldCodecs } from './schedule.js';
export { parseSchedule } from './parse.js';
export { printSchedule } from './print.js';
export { DEFAULT_BASE_MAX_LR, generateSchedule } from './generate.js';
export type { EntryMatch, MatchHow } from './match.js';
export { matchEntry } from './match.js';
export type { EntryExplain, ResolvedPhase, ScheduleCheck, ValidateOptions } from './validate.js';
export { validateSchedule, checkSchedule } from './validate.js';
export { describeExplain } from './explain.js';
export type { ParamGroup, WeightDecaySplit } from './groups.js';
export { phaseGroups } from './groups.js';
export type { EarlyStoppingConfig, PhaseAction, PhaseEvent, PhaseMachineConfig, PhaseProgress, PhaseState, PhaseStep, StopCause } from './machine-types.js';
export { initial, step, finalDepth, thawedParams } from './machine.js';
export type { EarlyStoppingState } from './early-stopping.js';
export { earlyStoppingStart, earlyStoppingStep, improves } from './early-stopping.js';

export type { Plan, PlanBuffer, PlanKernel, BufferKind } from './plan.js';
export { describePlan } from './plan.js';
export { compile } from './compile.js';

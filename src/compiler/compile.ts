import type { Program } from '../dsl/program.js';
import type { Plan } from './plan.js';
import { toIR } from './ir.js';
import { lower } from './lower.js';

/** Compile a program to a plan: CSE, dead-code removal, fusion, gpu.js source generation. Pure. */
export const compile = (prog: Program): Plan => {
  const ir = toIR(prog);
  return lower(ir, prog.inputs);
};

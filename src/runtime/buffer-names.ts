// What a plan buffer is, for people: errors about a tensor name it as the program does.
import type { Plan } from '../compiler/plan.js';

/** Buffer id -> an input's or output's name, else its kernel (constants and buffers no kernel writes go unnamed). */
export const bufferNames = (plan: Plan): Map<number, string> => {
  const names = new Map<number, string>();
  for (const [n, b] of Object.entries(plan.inputs)) names.set(b, `input '${n}'`);
  for (const [n, b] of Object.entries(plan.outputs)) if (!names.has(b)) names.set(b, `output '${n}'`);
  plan.kernels.forEach((k) => names.has(k.output) || names.set(k.output, `buffer ${k.output} of kernel ${k.name}`));
  return names;
};

// A small GPT-like model spec shared by the phase tests.
import * as E from 'fp-ts/lib/Either.js';
import type { ModelSpec } from '../../../src/optim/model-spec.js';
import type { PhaseProblem, Schedule } from '../../../src/optim/phases/index.js';
import { parseSchedule } from '../../../src/optim/phases/index.js';

/** Parameters named `module.leaf`; modules derived from the names, root first. */
export const specOf = (names: readonly string[]): ModelSpec => {
  const owners = [...new Set(names.map((n) => n.slice(0, n.lastIndexOf('.'))))];
  return { modules: [{ name: '', class: 'Model' }, ...owners.map((name) => ({ name, class: 'Linear' }))], parameters: names.map((name) => ({ name, shape: [2], module: name.slice(0, name.lastIndexOf('.')) })) };
};

export const GPT = specOf(['wte.weight', 'h.0.attn.weight', 'h.0.attn.bias', 'h.0.ln_1.weight', 'h.1.attn.weight', 'h.1.attn.bias', 'ln_f.weight', 'head.weight']);

export const parsed = (text: string): Schedule => {
  const r = parseSchedule(text);
  if (E.isLeft(r)) throw new Error(r.left.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return r.right;
};

export const problemsOf = (text: string): readonly PhaseProblem[] => {
  const r = parseSchedule(text);
  if (E.isRight(r)) throw new Error(`expected problems, parsed ${JSON.stringify(r.right)}`);
  return r.left;
};

// Loop specifications and the feeds of a (looped) plan, checked without fp-ts: shared by the
// library's executables and by ahead-of-time modules.
import type { Plan } from '../compiler/plan.js';
import type { Feeds } from '../dsl/feed-problems.js';
import { feedProblems } from '../dsl/feed-problems.js';
import { toFloat32 } from './tensor-value.js';
// types only: execute.ts itself runs gpu.js, which an AOT module never loads
import type { LoopFeeds, LoopSpec } from './execute.js';

export type { LoopFeeds, LoopSpec } from './execute.js';

export const checkLoop = (plan: Pick<Plan, 'inputs' | 'outputs' | 'buffers'>, loop: LoopSpec): string[] => {
  const problems: string[] = [];
  if (!Number.isInteger(loop.steps) || loop.steps < 1) problems.push(`steps ${loop.steps} must be a positive integer`);
  for (const [input, output] of Object.entries(loop.carry)) {
    const ib = plan.inputs[input];
    const ob = plan.outputs[output];
    if (ib === undefined) problems.push(`carry: '${input}' is not a used input of the plan`);
    if (ob === undefined) problems.push(`carry: '${output}' is not an output of the plan`);
    if (ib !== undefined && ob !== undefined) {
      const [i, o] = [plan.buffers[ib], plan.buffers[ob]];
      if (i.dtype !== o.dtype || i.shape.join() !== o.shape.join()) {
        problems.push(`carry: input '${input}' is ${i.dtype}[${i.shape.join(', ')}] but output '${output}' is ${o.dtype}[${o.shape.join(', ')}]`);
      }
    }
  }
  for (const name of loop.perStep ?? []) {
    if (plan.inputs[name] === undefined) problems.push(`perStep: '${name}' is not a used input of the plan`);
    if (name in loop.carry) problems.push(`perStep: '${name}' is also carried`);
  }
  for (const name of loop.collect ?? []) {
    if (plan.outputs[name] === undefined) problems.push(`collect: '${name}' is not an output of the plan`);
  }
  return problems;
};

/** The feeds of a plan as the steps take them, or every problem with them. */
export type SplitFeeds = { readonly problems: readonly string[] } | { readonly problems?: undefined; readonly once: Record<string, Float32Array>; readonly each: Float32Array[][] };

/** Per-step feeds come as arrays of `steps` feeds; check their count and each one's contents. */
export const splitFeedProblems = (plan: Pick<Plan, 'inputSpecs' | 'inputs'>, loop: LoopSpec, feeds: LoopFeeds): SplitFeeds => {
  const problems: string[] = [];
  const perStep = new Set(loop.perStep ?? []);
  const onceFeeds: Record<string, Feeds[string]> = {};
  // each[s] lists step s's per-step feeds in `loop.perStep` order, whatever order the feeds came in
  const each: Float32Array[][] = Array.from({ length: loop.steps }, () => []);
  const slot = (name: string) => (loop.perStep ?? []).indexOf(name);
  for (const [name, f] of Object.entries(feeds)) {
    if (!perStep.has(name)) {
      onceFeeds[name] = f as Feeds[string];
      continue;
    }
    const list = f as readonly Feeds[string][];
    if (!Array.isArray(list) || list.length !== loop.steps) {
      problems.push(`input '${name}': a per-step input needs an array of ${loop.steps} feeds`);
      continue;
    }
    const spec = plan.inputSpecs.filter((s) => s.name === name);
    list.forEach((one, s) => {
      const checked = feedProblems(spec, { [name]: one });
      if (checked.problems.length) problems.push(...checked.problems.map((p) => `step ${s}: ${p}`));
      else each[s][slot(name)] = toFloat32(checked.values[name]);
    });
  }
  for (const name of perStep) {
    if (!(name in feeds)) problems.push(`input '${name}': missing (a per-step input needs an array of ${loop.steps} feeds)`);
  }
  const rest = plan.inputSpecs.filter((s) => !perStep.has(s.name));
  const checked = feedProblems(rest, onceFeeds);
  problems.push(...checked.problems);
  if (problems.length) return { problems };
  const once = Object.fromEntries(Object.entries(checked.values).map(([k, v]) => [k, toFloat32(v)]));
  return { once, each };
};


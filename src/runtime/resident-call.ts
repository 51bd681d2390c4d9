// The checks of a call on resident tensors, shared by the backends that keep tensors resident:
// each resident input usable, known and of the right size; donated names resident; host feeds
// checked as run() checks them; every problem reported at once, before anything runs.
import * as E from 'fp-ts/lib/Either.js';
import type { Plan } from '../compiler/plan.js';
import { FeedError } from '../dsl/feeds.js';
import { sizeOf } from '../dsl/shape.js';
import type { LoopFeeds, LoopSpec } from './execute.js';
import { splitFeeds } from './execute.js';
import { unusable } from './wasm/tensors.js';

export interface ResidentHandle {
  consumedBy: string | undefined;
  readonly disposed: boolean;
  readonly size: number;
  /** Calls in flight that read this handle (a call may await its workers or the GPU). */
  readers: number;
}

export interface CheckedCall<T> {
  readonly resident: ReadonlyMap<string, T>;
  /** Host feeds of inputs read once, as run() takes them. */
  readonly once: Readonly<Record<string, Float32Array>>;
  /** Per step, the per-step feeds in `loop.perStep` order. */
  readonly each: readonly Float32Array[][];
}

/** Each plan's inputs by name with their element counts, built once (a call is checked per step). */
const specsByPlan = new WeakMap<Plan, ReadonlyMap<string, { readonly spec: Plan['inputSpecs'][number]; readonly size: number }>>();
const specsOf = (plan: Plan) => {
  let m = specsByPlan.get(plan);
  if (!m) specsByPlan.set(plan, (m = new Map(plan.inputSpecs.map((x) => [x.name, { spec: x, size: sizeOf(x.shape) }]))));
  return m;
};

export const checkResidentCall = <T extends ResidentHandle>(
  plan: Plan,
  loop: LoopSpec,
  inputs: Readonly<Record<string, T | LoopFeeds[string]>>,
  donate: ReadonlySet<string>,
  isHandle: (v: unknown) => v is T,
): E.Either<FeedError, CheckedCall<T>> => {
  const perStepNames = loop.perStep ?? [];
  const onceNames = () => Object.keys(plan.inputs).filter((n) => !perStepNames.includes(n));
  const specs = specsOf(plan);
  const problems: string[] = [];
  const resident = new Map<string, T>();
  const hostFeeds: Record<string, LoopFeeds[string]> = {};
  for (const [name, v] of Object.entries(inputs)) {
    if (!isHandle(v)) {
      hostFeeds[name] = v as LoopFeeds[string];
      continue;
    }
    resident.set(name, v);
    const known = specs.get(name);
    const why = unusable(v, `input '${name}'`);
    if (why) problems.push(why);
    else if (!known || perStepNames.includes(name)) problems.push(`input '${name}': not a resident input of this program (resident inputs: ${onceNames().join(', ') || 'none'})`);
    else if (v.size !== known.size) problems.push(`input '${name}': a resident tensor of ${v.size} elements, expected ${known.spec.dtype}[${known.spec.shape.join(', ')}]`);
  }
  for (const name of donate) {
    const h = resident.get(name);
    if (!h) problems.push(`donate: '${name}' is not a resident input of this call`);
    else if (h.readers > 0) problems.push(`donate: '${name}' is still read by a call in flight (await that call before donating it)`);
  }
  const missing = () => plan.inputSpecs.filter((x) => !resident.has(x.name) && !(x.name in hostFeeds));
  // the common case, kept cheap: every input resident, nothing per step
  const split = resident.size === Object.keys(inputs).length && perStepNames.length === 0
    ? resident.size < plan.inputSpecs.length || missing().length
      ? E.left(new FeedError(missing().map((x) => `input '${x.name}': missing (expected ${x.dtype}[${x.shape.join(', ')}])`)))
      : E.right({ once: {}, each: Array.from({ length: loop.steps }, () => []) })
    : splitFeeds({ inputs: plan.inputs, inputSpecs: plan.inputSpecs.filter((x) => !resident.has(x.name)) }, loop, hostFeeds);
  if (E.isLeft(split)) problems.push(...split.left.problems);
  if (problems.length || E.isLeft(split)) return E.left(new FeedError(problems));
  return E.right({ resident, ...split.right });
};

/**
 * Claims a checked call's handles before its first await: donated ones are consumed by `step` at
 * once (a concurrent call naming them is refused, not handed memory being overwritten), the others
 * count a reader until the returned function runs. The donated memory is the caller's to free.
 */
export const claimResident = <T extends ResidentHandle>(resident: ReadonlyMap<string, T>, donate: ReadonlySet<string>, step: string): (() => void) => {
  const read = [...resident].filter(([name]) => !donate.has(name)).map(([, h]) => h);
  for (const name of donate) resident.get(name)!.consumedBy = step;
  for (const h of read) h.readers++;
  return () => {
    for (const h of read) h.readers--;
  };
};

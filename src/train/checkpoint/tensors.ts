// A checkpoint's tensors: `param/<name>` and `opt/<state path>`, all F32, checked against what the caller expects.
import type { Shape } from '../../dsl/index.js';
import type { Values } from '../optimizer-runner.js';
import type { Problem } from './problem.js';
import { problemAt, someNames } from './problem.js';
import type { RawTensor } from './safetensors-dtype.js';
import { f32FromBytes } from './safetensors-dtype.js';

export const PARAM_PREFIX = 'param/';
export const OPT_PREFIX = 'opt/';

export interface CheckpointShapes {
  readonly params: Readonly<Record<string, Shape>>;
  readonly optState: Readonly<Record<string, Shape>>;
}

/** What the caller's model and optimizer need; optimizer state is checked only when given. */
export interface CheckpointExpectation {
  readonly params: Readonly<Record<string, Shape>>;
  readonly optState?: Readonly<Record<string, Shape>>;
}

export interface SplitTensors {
  readonly params: Values;
  readonly optState: Values;
  /** Every `param/` and `opt/` tensor's shape, whatever its dtype: for the expectation check. */
  readonly shapes: CheckpointShapes;
  readonly problems: readonly Problem[];
}

const KINDS = [
  { key: 'params', prefix: PARAM_PREFIX },
  { key: 'optState', prefix: OPT_PREFIX },
] as const;

export const splitTensors = (tensors: Readonly<Record<string, RawTensor>>): SplitTensors => {
  const out = { params: {} as Record<string, Float32Array>, optState: {} as Record<string, Float32Array> };
  const shapes = { params: {} as Record<string, Shape>, optState: {} as Record<string, Shape> };
  const problems: Problem[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    const kind = KINDS.find((k) => name.startsWith(k.prefix));
    if (!kind) {
      problems.push(problemAt(['header', name], `not a graft tensor: names start with '${PARAM_PREFIX}' or '${OPT_PREFIX}'`));
      continue;
    }
    const key = name.slice(kind.prefix.length);
    shapes[kind.key][key] = t.shape;
    if (t.dtype !== 'F32') problems.push(problemAt(['header', name, 'dtype'], `${t.dtype}, but graft keeps parameters and optimizer state in F32`));
    else out[kind.key][key] = f32FromBytes(t.data);
  }
  return { ...out, shapes, problems };
};

const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
const show = (s: Shape): string => `[${s.join(', ')}]`;

const WHAT = {
  params: { one: "the model's parameter", not: 'a parameter of the model', all: 'its parameters' },
  optState: { one: "the optimizer's state leaf", not: 'a state leaf of the optimizer', all: 'its leaves' },
} as const;

/** Missing tensors, tensors the caller has no place for, and shapes that differ. */
export const expectationProblems = (found: CheckpointShapes, expect: CheckpointExpectation | undefined): Problem[] =>
  KINDS.flatMap(({ key, prefix }) => {
    const want = expect?.[key];
    if (!want) return [];
    const have = found[key];
    const w = WHAT[key];
    return [
      ...Object.entries(want).flatMap(([n, shape]) => {
        if (!(n in have)) return [problemAt(['header', prefix + n], `missing: ${w.one} '${n}' ${show(shape)} has no tensor`)];
        return sameShape(have[n], shape) ? [] : [problemAt(['header', prefix + n, 'shape'], `${show(have[n])}, but ${w.one} '${n}' is ${show(shape)}`)];
      }),
      ...Object.keys(have).filter((n) => !(n in want)).map((n) => problemAt(['header', prefix + n], `'${n}' is not ${w.not} (${w.all}: ${someNames(Object.keys(want))})`)),
    ];
  });

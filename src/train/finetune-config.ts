// `graft finetune --config`: a YAML or JSON file decoded with io-ts; every problem at once, with its path.
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { parse } from 'yaml';
import type { SpecProblem } from '../optim/model-spec.js';
import { describeDecodeErrors } from '../optim/model-spec.js';
import type { JobConfig, Method } from './mnist-job.js';
import { DEFAULT_JOB, METHODS } from './mnist-job.js';

const refine = <A>(c: t.Type<A>, ok: (a: A) => boolean, name: string) => t.refinement(c, ok, name);
const PositiveInt = refine(t.number, (n) => Number.isInteger(n) && n >= 1, 'integer >= 1');
const NonNegativeInt = refine(t.number, (n) => Number.isInteger(n) && n >= 0, 'integer >= 0');
const Seed = refine(t.number, (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 24, 'integer seed in [0, 2^24)');
const Rate = refine(t.number, (n) => Number.isFinite(n) && n > 0, 'number > 0');
const ReserveP = refine(t.number, (n) => n > 0 && n <= 1, 'number in (0, 1]');
const MethodC = t.keyof(Object.fromEntries(METHODS.map((m) => [m, null])) as Record<Method, null>, METHODS.join(' | '));

/** Every field is optional: the embedded defaults of `npm start` fill the rest. Unknown keys are errors. */
export const FinetuneConfigCodec = t.exact(
  t.partial({
    hidden: PositiveInt,
    pretrainEpochs: PositiveInt,
    finetuneEpochs: PositiveInt,
    labelled: PositiveInt,
    validation: PositiveInt,
    heldOut: PositiveInt,
    batchSize: PositiveInt,
    stepsPerCall: PositiveInt,
    lr: Rate,
    reserveP: ReserveP,
    seeds: t.array(Seed),
    headEpochs: NonNegativeInt,
    methods: t.array(MethodC),
    backend: t.keyof({ auto: null, webgpu: null, wasm: null, webasm: null, cpu: null }),
    out: t.string,
  }),
);

export type FinetuneConfig = t.TypeOf<typeof FinetuneConfigCodec>;

const unknownKeys = (raw: unknown): SpecProblem[] => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
  const known = Object.keys(FinetuneConfigCodec.type.props);
  return Object.keys(raw).filter((k) => !known.includes(k)).map((k) => ({ path: k, message: `unknown key (known: ${known.join(', ')})` }));
};

/** Cross-field rules the types cannot say. */
const consistency = (c: JobConfig & { methods: readonly Method[] }): SpecProblem[] => [
  ...(c.batchSize > c.labelled ? [{ path: 'batchSize', message: `batch of ${c.batchSize} is larger than the ${c.labelled} labelled images` }] : []),
  ...(c.headEpochs > c.finetuneEpochs ? [{ path: 'headEpochs', message: `${c.headEpochs} head epochs exceed the ${c.finetuneEpochs} fine-tuning epochs` }] : []),
  ...(c.seeds.length === 0 ? [{ path: 'seeds', message: 'expected at least one seed' }] : []),
  ...(c.methods.length === 0 ? [{ path: 'methods', message: 'expected at least one method' }] : []),
];

export type ResolvedFinetune = JobConfig & { readonly methods: readonly Method[]; readonly backend?: FinetuneConfig['backend']; readonly out?: string };

/** Parse text (YAML is a superset of JSON, duplicate keys rejected) and decode it over the defaults. */
export const decodeFinetuneConfig = (text: string): E.Either<SpecProblem[], ResolvedFinetune> => {
  let raw: unknown;
  try {
    raw = parse(text, { uniqueKeys: true }) ?? {};
  } catch (e) {
    return E.left([{ path: '(file)', message: `not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}` }]);
  }
  const decoded = FinetuneConfigCodec.decode(raw);
  const problems = [...unknownKeys(raw), ...(E.isLeft(decoded) ? describeDecodeErrors(decoded.left) : [])];
  if (problems.length || E.isLeft(decoded)) return E.left(problems);
  const resolved: ResolvedFinetune = { ...DEFAULT_JOB, methods: METHODS, ...decoded.right };
  const more = consistency(resolved);
  return more.length ? E.left(more) : E.right(resolved);
};

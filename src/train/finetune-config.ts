// `graft finetune --config`: a YAML or JSON file decoded with io-ts and checked against the data; every problem at once, with its path.
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import type { SpecProblem } from '../optim/model-spec.js';
import { describeDecodeErrors } from '../optim/model-spec.js';
import type { DataSizes, JobConfig, Method } from './mnist-job.js';
import { DEFAULT_JOB, METHODS } from './mnist-job.js';
import type { ConfigFormat } from './config-text.js';
import { parseConfigText } from './config-text.js';

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

const duplicates = <A>(xs: readonly A[]): A[] => [...new Set(xs.filter((x, i) => xs.indexOf(x) !== i))];

/** Cross-field rules the types cannot say. */
const consistency = (c: JobConfig & { methods: readonly Method[] }): SpecProblem[] => [
  ...(c.batchSize > c.labelled ? [{ path: 'batchSize', message: `batch of ${c.batchSize} is larger than the ${c.labelled} labelled images` }] : []),
  ...(c.headEpochs > c.finetuneEpochs ? [{ path: 'headEpochs', message: `${c.headEpochs} head epochs exceed the ${c.finetuneEpochs} fine-tuning epochs` }] : []),
  ...(c.seeds.length === 0 ? [{ path: 'seeds', message: 'expected at least one seed' }] : []),
  // a repeated seed is the same run again: the report would count it as another seed
  ...duplicates(c.seeds).map((s) => ({ path: 'seeds', message: `seed ${s} is given more than once in [${c.seeds.join(', ')}]: expected distinct seeds (each is one run per method)` })),
  ...(c.methods.length === 0 ? [{ path: 'methods', message: 'expected at least one method' }] : []),
  ...duplicates(c.methods).map((m) => ({ path: 'methods', message: `${m} is given more than once in [${c.methods.join(', ')}]: expected distinct methods` })),
];

/**
 * The sizes against the data: held-out, validation and labelled images are drawn from the same images of 5–9 without
 * overlap, and training needs at least one; nothing is clamped, so the report never claims more than was used.
 */
const sizeProblems = (c: JobConfig, data: DataSizes): SpecProblem[] => {
  const n = data.finetune;
  const afterHeldOut = n - c.heldOut;
  const afterValidation = afterHeldOut - c.validation;
  const pool = `the data has ${n} images of digits 5-9 for the held-out, validation and labelled sets together`;
  return [
    ...(afterHeldOut < 2 ? [{ path: 'heldOut', message: `${c.heldOut} held-out images asked for, but ${pool}, and validation and training need one each: at most ${n - 2}` }] : []),
    ...(afterHeldOut >= 2 && afterValidation < 1 ? [{ path: 'validation', message: `${c.validation} validation images asked for would leave no images to train on: ${afterHeldOut} remain after the ${c.heldOut} held out (${pool}): at most ${afterHeldOut - 1}` }] : []),
    ...(afterHeldOut >= 2 && afterValidation >= 1 && c.labelled > afterValidation ? [{ path: 'labelled', message: `${c.labelled} labelled images asked for, but only ${afterValidation} remain after the ${c.heldOut} held out and the ${c.validation} for validation (${pool}): at most ${afterValidation}` }] : []),
    ...(c.batchSize > data.pretrain ? [{ path: 'batchSize', message: `batch of ${c.batchSize} is larger than the ${data.pretrain} images of digits 0-4 pre-training trains on` }] : []),
  ];
};

export type ResolvedFinetune = JobConfig & { readonly methods: readonly Method[]; readonly backend?: FinetuneConfig['backend']; readonly out?: string };

/** A file that sets nothing would run the whole default job without a word: it is refused. */
const isEmpty = (raw: unknown): boolean => raw === null || raw === undefined || (typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0);

/**
 * Parse text in its format (duplicate keys rejected) and decode it over the defaults; its sizes are checked against
 * `data`. Every problem at once, with its path.
 */
export const decodeFinetuneConfig = (text: string, format: ConfigFormat, data: DataSizes): E.Either<SpecProblem[], ResolvedFinetune> => {
  if (text.trim() === '') return E.left([{ path: '(file)', message: 'the file is empty: expected at least one setting (`graft mnist` runs the defaults)' }]);
  const parsed = parseConfigText(text, format);
  if (E.isLeft(parsed)) return parsed;
  const raw = parsed.right;
  if (isEmpty(raw)) return E.left([{ path: '(file)', message: 'sets nothing: expected at least one setting (`graft mnist` runs the defaults)' }]);
  const decoded = FinetuneConfigCodec.decode(raw);
  const problems = [...unknownKeys(raw), ...(E.isLeft(decoded) ? describeDecodeErrors(decoded.left) : [])];
  if (problems.length || E.isLeft(decoded)) return E.left(problems);
  const resolved: ResolvedFinetune = { ...DEFAULT_JOB, methods: METHODS, ...decoded.right };
  const more = [...consistency(resolved), ...sizeProblems(resolved, data)];
  return more.length ? E.left(more) : E.right(resolved);
};

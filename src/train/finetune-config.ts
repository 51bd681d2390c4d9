// `graft finetune --config`: a YAML or JSON file decoded with io-ts and checked against the data; every problem at once, with its path.
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { extname } from 'node:path';
import { parse, parseDocument } from 'yaml';
import type { SpecProblem } from '../optim/model-spec.js';
import { describeDecodeErrors } from '../optim/model-spec.js';
import type { DataSizes, JobConfig, Method } from './mnist-job.js';
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
    backend: t.keyof({ auto: null, webgpu: null, webasm: null, cpu: null }),
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

export type ConfigFormat = 'json' | 'yaml';

/** A config file's format from its name: `.json` is read as strict JSON, `.yaml` and `.yml` as YAML. */
export const configFormat = (file: string): E.Either<SpecProblem[], ConfigFormat> => {
  const ext = extname(file).toLowerCase();
  return ext === '.json' ? E.right('json') : ext === '.yaml' || ext === '.yml' ? E.right('yaml') : E.left([{ path: '(file)', message: `expected a .yaml, .yml or .json file, got ${ext === '' ? 'a name without an extension' : `'${ext}'`}` }]);
};

const reportedOffset = (message: string): number | undefined => {
  const at = /at position (\d+)/.exec(message);
  return at ? Number(at[1]) : undefined;
};

/** Can `prefix` begin a JSON text? (It fails only at its end, or it parses.) */
const viableJsonPrefix = (prefix: string): boolean => {
  try {
    JSON.parse(prefix);
    return true;
  } catch (e) {
    const message = (e as Error).message;
    return /end of JSON input/.test(message) || (reportedOffset(message) ?? -1) >= prefix.length;
  }
};

/**
 * Where JSON.parse gave up, as a line and column: the offset its message gives, or (V8 leaves it out of "Unexpected
 * token" messages) the last character of the shortest prefix that cannot begin a JSON text, found by bisection.
 */
const jsonPosition = (text: string, message: string): string => {
  let offset = reportedOffset(message);
  if (offset === undefined) {
    let [lo, hi] = [0, text.length];
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (viableJsonPrefix(text.slice(0, mid))) lo = mid;
      else hi = mid;
    }
    offset = hi - 1;
  }
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
};

const parseJson = (text: string): E.Either<SpecProblem[], unknown> => {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    // V8's message may quote the text around the error: the line and column say where it is
    return E.left([{ path: jsonPosition(text, message), message: `not valid JSON: ${message.replace(/ in JSON at position \d+.*$/s, '').replace(/^(Unexpected token '.'), .*$/s, '$1')}` }]);
  }
  // JSON.parse keeps the last of two equal keys without a word; YAML's parser (JSON is YAML 1.2) names them
  const doc = parseDocument(text, { uniqueKeys: true });
  return doc.errors.length ? E.left(doc.errors.map((err) => ({ path: '(file)', message: `not valid JSON: ${err.message.split('\n')[0]}` }))) : E.right(raw);
};

const parseYaml = (text: string): E.Either<SpecProblem[], unknown> => {
  try {
    return E.right(parse(text, { uniqueKeys: true }));
  } catch (e) {
    return E.left([{ path: '(file)', message: `not valid YAML: ${(e as Error).message.split('\n')[0]}` }]);
  }
};

/** A file that sets nothing would run the whole default job without a word: it is refused. */
const isEmpty = (raw: unknown): boolean => raw === null || raw === undefined || (typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0);

/**
 * Parse text in its format (duplicate keys rejected) and decode it over the defaults; its sizes are checked against
 * `data`. Every problem at once, with its path.
 */
export const decodeFinetuneConfig = (text: string, format: ConfigFormat, data: DataSizes): E.Either<SpecProblem[], ResolvedFinetune> => {
  if (text.trim() === '') return E.left([{ path: '(file)', message: 'the file is empty: expected at least one setting (`graft mnist` runs the defaults)' }]);
  const parsed = format === 'json' ? parseJson(text) : parseYaml(text);
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

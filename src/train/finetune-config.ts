// `graft finetune --config`: a YAML or JSON file decoded with io-ts and checked against the data; every problem at once, with its path.
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import type { SpecProblem } from '../optim/model-spec.js';
import { describeDecodeErrors } from '../optim/model-spec.js';
import type { DataSizes, JobConfig, Method } from './mnist-job.js';
import { DEFAULT_JOB, METHODS } from './mnist-job.js';
import { MAX_ELEMENTS } from '../dsl/index.js';
import { TENSOR_LIMITS } from '../runtime/tensor-limits.js';
import { IMAGE_SIZE } from './data/mnist.js';
import type { ConfigFormat } from './config-text.js';
import { parseConfigText } from './config-text.js';

const refine = <A>(c: t.Type<A>, ok: (a: A) => boolean, name: string) => t.refinement(c, ok, name);
const PositiveInt = refine(t.number, (n) => Number.isInteger(n) && n >= 1, 'integer >= 1');
// the first layer's weights are IMAGE_SIZE × hidden elements, and a graft tensor holds at most 2^31 - 1 (the backend's own bound: hiddenProblems)
const MAX_HIDDEN = Math.floor(MAX_ELEMENTS / IMAGE_SIZE);
const Hidden = refine(t.number, (n) => Number.isInteger(n) && n >= 1 && n <= MAX_HIDDEN, `integer in [1, ${MAX_HIDDEN}] (the ${IMAGE_SIZE} × hidden first-layer weights are one tensor, at most 2^31 - 1 elements)`);
const NonNegativeInt = refine(t.number, (n) => Number.isInteger(n) && n >= 0, 'integer >= 0');
const Seed = refine(t.number, (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 24, 'integer seed in [0, 2^24)');
const Rate = refine(t.number, (n) => Number.isFinite(n) && n > 0, 'number > 0');
const ReserveP = refine(t.number, (n) => n > 0 && n <= 1, 'number in (0, 1]');
const MethodC = t.keyof(Object.fromEntries(METHODS.map((m) => [m, null])) as Record<Method, null>, METHODS.join(' | '));

/** Every field is optional: the embedded defaults of `npm start` fill the rest. Unknown keys are errors. */
export const FinetuneConfigCodec = t.exact(
  t.partial({
    hidden: Hidden,
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

const KNOWN = Object.keys(FinetuneConfigCodec.type.props) as Array<keyof FinetuneConfig>;

const unknownKeys = (raw: object): SpecProblem[] =>
  Object.keys(raw).filter((k) => !(KNOWN as string[]).includes(k)).map((k) => ({ path: k, message: `unknown key (known: ${KNOWN.join(', ')})` }));

/** What a top-level value is, in the user's words: a config must be a mapping. */
const kindOf = (raw: unknown): string => (Array.isArray(raw) ? 'a list' : `a ${typeof raw} (${JSON.stringify(raw)})`);

/** The keys whose values decode on their own: the cross-field checks run on these (defaults for the rest). */
const decodedKeys = (raw: Record<string, unknown>): FinetuneConfig => {
  const props = FinetuneConfigCodec.type.props as Record<string, t.Mixed>;
  const ok = KNOWN.flatMap((k) => {
    if (!(k in raw)) return [];
    const d = props[k].decode(raw[k]);
    return E.isRight(d) ? [[k, d.right] as const] : [];
  });
  return Object.fromEntries(ok) as FinetuneConfig;
};

const duplicates = <A>(xs: readonly A[]): A[] => [...new Set(xs.filter((x, i) => xs.indexOf(x) !== i))];

/** Which keys the file set: a limit names the others as configured, and says which of them are defaults. */
type Given = ReadonlySet<string>;

/** `the default validation 500 and labelled 500`, or `validation 5000 and the default labelled 500`. */
const asConfigured = (c: ResolvedFinetune, given: Given, keys: ReadonlyArray<keyof JobConfig>): string => {
  const allDefault = keys.every((k) => !given.has(k));
  const one = (k: keyof JobConfig) => `${allDefault || given.has(k) ? '' : 'the default '}${k} ${String(c[k])}`;
  return `${allDefault ? 'the default ' : ''}${keys.map(one).join(' and ')}`;
};

/** Cross-field rules the types cannot say. */
const consistency = (c: ResolvedFinetune, given: Given): SpecProblem[] => [
  ...(c.batchSize > c.labelled ? [{ path: 'batchSize', message: `batch of ${c.batchSize} is larger than the ${given.has('labelled') ? '' : 'default '}${c.labelled} labelled images` }] : []),
  ...headEpochsProblems(c, given),
  ...(c.seeds.length === 0 ? [{ path: 'seeds', message: 'expected at least one seed' }] : []),
  // a repeated seed is the same run again: the report would count it as another seed
  ...duplicates(c.seeds).map((s) => ({ path: 'seeds', message: `seed ${s} is given more than once in [${c.seeds.join(', ')}]: expected distinct seeds (each is one run per method)` })),
  ...(c.methods.length === 0 ? [{ path: 'methods', message: 'expected at least one method' }] : []),
  ...duplicates(c.methods).map((m) => ({ path: 'methods', message: `${m} is given more than once in [${c.methods.join(', ')}]: expected distinct methods` })),
];

/** Only the scheduled method trains the head alone; a default the user never set is named as one, on the key they did set. */
const headEpochsProblems = (c: ResolvedFinetune, given: Given): SpecProblem[] => {
  if (!c.methods.includes('scheduled') || c.headEpochs <= c.finetuneEpochs) return [];
  if (given.has('headEpochs')) return [{ path: 'headEpochs', message: `${c.headEpochs} head epochs exceed the ${given.has('finetuneEpochs') ? '' : 'default '}${c.finetuneEpochs} fine-tuning epochs of the scheduled method: at most ${c.finetuneEpochs}` }];
  return [{ path: given.has('finetuneEpochs') ? 'finetuneEpochs' : 'headEpochs', message: `${c.finetuneEpochs} fine-tuning epochs are fewer than the default headEpochs ${c.headEpochs} the scheduled method trains the head alone for: set headEpochs to at most ${c.finetuneEpochs}, or leave scheduled out of methods` }];
};

const SETS = ['heldOut', 'validation', 'labelled'] as const;
type SetKey = (typeof SETS)[number];
const NOUN: Record<SetKey, string> = { heldOut: 'held-out', validation: 'validation', labelled: 'labelled' };

/**
 * The sizes against the data: held-out, validation and labelled images are drawn from the same images of 5–9 without
 * overlap; nothing is clamped, so the report never claims more than was used. Each limit is the room the other sets
 * leave as configured, on the keys the file set (all three when it set none of them).
 */
const sizeProblems = (c: ResolvedFinetune, data: DataSizes, given: Given): SpecProblem[] => {
  const n = data.finetune;
  const pool = `the data has ${n} images of digits 5-9 for the held-out, validation and labelled sets together`;
  const written: readonly SetKey[] = SETS.filter((k) => given.has(k));
  const room = (k: SetKey) => n - SETS.filter((o) => o !== k).reduce((sum, o) => sum + c[o], 0);
  const suspects = c.heldOut + c.validation + c.labelled <= n ? [] : written.length ? written : SETS;
  // a key that cannot fix it alone (its limit is below one) is blamed only when no other can
  const fixable = suspects.filter((k) => room(k) >= 1);
  return [
    ...(fixable.length ? fixable : suspects).map((k) => {
      const limit = `${room(k) >= 1 ? `at most ${room(k)}` : 'none fit'} with ${asConfigured(c, given, SETS.filter((o) => o !== k))}`;
      return { path: k, message: `${c[k]} ${NOUN[k]} images asked for, but ${pool}: ${limit}` };
    }),
    ...(c.batchSize > data.pretrain ? [{ path: 'batchSize', message: `batch of ${c.batchSize} is larger than the ${data.pretrain} images of digits 0-4 pre-training trains on` }] : []),
    ...hiddenProblems(c, given),
  ];
};

/**
 * The widest tensors `hidden` sets, against the most elements a tensor may have on the configured backend:
 * the first layer's IMAGE_SIZE × hidden weights and the activations of a batch or an evaluated set, rows × hidden
 * (pre-training's 500 evaluation rows are never the widest that matters: heldOut and validation default larger).
 */
const hiddenProblems = (c: ResolvedFinetune, given: Given): SpecProblem[] => {
  const backend = c.backend ?? 'auto';
  const { max, why } = TENSOR_LIMITS[backend];
  const on = `the ${max} elements a tensor may have${backend === 'auto' ? '' : ` on ${backend}`} (${why})`;
  const rows: ReadonlyArray<'batchSize' | 'heldOut' | 'validation'> = ['batchSize', 'heldOut', 'validation'];
  const widest = rows.reduce((w, k) => (c[k] > c[w] ? k : w), rows[0]);
  const wide = Math.max(IMAGE_SIZE, c[widest]);
  if (c.hidden * wide <= max) return [];
  const message = c[widest] >= IMAGE_SIZE
    ? `${c.hidden} hidden units × ${c[widest]} images at once (${asConfigured(c, given, [widest])}) are ${c.hidden * c[widest]} activations, over ${on}: at most ${Math.floor(max / c[widest])}`
    : `${IMAGE_SIZE} × ${c.hidden} first-layer weights are ${IMAGE_SIZE * c.hidden} elements, over ${on}: at most ${Math.floor(max / IMAGE_SIZE)}`;
  return [{ path: 'hidden', message }];
};

export type ResolvedFinetune = JobConfig & { readonly methods: readonly Method[]; readonly backend?: FinetuneConfig['backend']; readonly out?: string };

/** A file that sets nothing would run the whole default job without a word: it is refused. */
const isEmpty = (raw: unknown): boolean => raw === null || raw === undefined || (typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0);

/**
 * Parse text in its format (duplicate keys rejected) and decode it over the defaults; its sizes are checked against
 * `data`. Every problem at once, with its path: the cross-field checks run on the keys that decoded.
 */
export const decodeFinetuneConfig = (text: string, format: ConfigFormat, data: DataSizes): E.Either<SpecProblem[], ResolvedFinetune> => {
  if (text.trim() === '') return E.left([{ path: '(file)', message: 'the file is empty: expected at least one setting (`graft mnist` runs the defaults)' }]);
  const parsed = parseConfigText(text, format);
  if (E.isLeft(parsed)) return parsed;
  const raw = parsed.right;
  if (isEmpty(raw)) return E.left([{ path: '(file)', message: 'sets nothing: expected at least one setting (`graft mnist` runs the defaults)' }]);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return E.left([{ path: '(file)', message: `expected a mapping of settings (${KNOWN.join(', ')}), got ${kindOf(raw)}` }]);
  const decoded = FinetuneConfigCodec.decode(raw);
  const given: Given = new Set(Object.keys(raw));
  const resolved: ResolvedFinetune = { ...DEFAULT_JOB, methods: METHODS, ...decodedKeys(raw as Record<string, unknown>) };
  const problems = [...unknownKeys(raw), ...(E.isLeft(decoded) ? describeDecodeErrors(decoded.left) : []), ...consistency(resolved, given), ...sizeProblems(resolved, data, given)];
  return problems.length ? E.left(problems) : E.right(resolved);
};

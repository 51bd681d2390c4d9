// Command-line options decoded like config values: each raw string goes through an io-ts codec (the config's own
// where one exists), and every problem is reported at once, naming the option, what was given and what is expected.
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { FinetuneConfigCodec } from '../train/finetune-config.js';
import { PhaseFieldCodecs } from '../optim/phases/index.js';
import { BACKEND_ENV } from '../runtime/backend.js';

export interface OptionProblem {
  /** `--seeds`, or `$GRAFT_BACKEND` for an environment variable. */
  readonly option: string;
  readonly message: string;
}

/** The whole string is a number (`Number('')` would be 0, `Number('abc')` NaN). */
const NumberFromString = new t.Type<number, string, unknown>(
  'number',
  (u): u is number => typeof u === 'number',
  (u, c) => {
    if (typeof u !== 'string' || u.trim() === '') return t.failure(u, c);
    const n = Number(u);
    return Number.isNaN(n) ? t.failure(u, c) : t.success(n);
  },
  String,
);

const numeric = <A extends number>(codec: t.Type<A, A, unknown>) => NumberFromString.pipe(codec as t.Type<A, number, number>, codec.name);

// the config file's codecs: an option and the config key it stands for accept the same values
const config = FinetuneConfigCodec.type.props;
export const BackendOption = config.backend;
/** A count such as `--seeds 3` or `--epochs 10`: the config's integer >= 1. */
export const CountOption = numeric(config.finetuneEpochs);
/** `--strategy`: FSDP's sharding strategies. */
export const StrategyOption = t.keyof({ FULL_SHARD: null, SHARD_GRAD_OP: null, NO_SHARD: null }, 'FULL_SHARD | SHARD_GRAD_OP | NO_SHARD');
/** `--reshard-after-forward`: FSDP's reshard_after_forward, written true or false. */
export const ReshardOption = t.keyof({ true: null, false: null }, 'true | false');
/** `--base-max-lr`: written into the schedule as its `lr`, so decoded as a schedule's lr. */
export const ScheduleLrOption = numeric(PhaseFieldCodecs.lr);

// commander hands over `baseMaxLr` for `--base-max-lr`: name the option as the user wrote it
const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const shown = (raw: unknown) => (typeof raw === 'string' ? `'${raw}'` : String(raw));

/** `expected <type>, got '<as written>'`, with what a path check found in parentheses. */
const describe = (errors: t.Errors, raw: unknown): string => {
  const names = [...new Set(errors.map((e) => e.context[e.context.length - 1]?.type.name ?? 'a value'))];
  const details = [...new Set(errors.flatMap((e) => (e.message ? [e.message] : [])))];
  return `expected ${names.join(' or ')}, got ${shown(raw)}${details.length ? ` (${details.join('; ')})` : ''}`;
};

type Codecs = Record<string, t.Decoder<unknown, unknown>>;
export type DecodedOptions<C extends Codecs> = { [K in keyof C]?: C[K] extends t.Decoder<unknown, infer A> ? A : never };

/** Decode the options given (absent ones stay absent); every problem at once. */
export const decodeOptions = <C extends Codecs>(codecs: C, raw: Readonly<Record<string, unknown>>): E.Either<OptionProblem[], DecodedOptions<C>> => {
  const problems: OptionProblem[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, codec] of Object.entries(codecs)) {
    if (raw[key] === undefined) continue;
    const d = codec.decode(raw[key]);
    if (E.isLeft(d)) problems.push({ option: flagOf(key), message: describe(d.left, raw[key]) });
    else out[key] = d.right;
  }
  return problems.length ? E.left(problems) : E.right(out as DecodedOptions<C>);
};

/** $GRAFT_BACKEND, read only where no --backend overrides it, decoded as the option is. */
export const backendEnvProblems = (option: unknown): OptionProblem[] => {
  const raw = process.env[BACKEND_ENV];
  if (option !== undefined || raw === undefined || raw === '') return [];
  const d = BackendOption.decode(raw);
  return E.isLeft(d) ? [{ option: `$${BACKEND_ENV}`, message: describe(d.left, raw) }] : [];
};

export const formatOptionProblem = (p: OptionProblem): string => `${p.option}: ${p.message}`;

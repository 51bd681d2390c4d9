// graft's metadata in a checkpoint: one `graft.<field>` entry of safetensors' `__metadata__` per field, each a JSON string.
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import type { Problem } from './problem.js';
import { problemAt } from './problem.js';
import { NonNegativeInteger, decodeProblems } from './decode-errors.js';
import { jsonValueProblems } from './json-value.js';
import { METADATA_KEY } from './safetensors-encode.js';
import { GENERATOR_VERSION } from '../../dsl/counter-hash.js';

export const CHECKPOINT_FORMAT_VERSION = 1;

/** The best checkpoint so far (the phase machine's `best`): its metric, and the depth and epoch it was taken at (`epoch` here counts from 0, the machine's own count: the file holding it has `graft.epoch` = epoch + 1 completed). */
export interface BestCheckpoint {
  readonly metric: number;
  readonly depth: number;
  readonly epoch: number;
}

/** Where the counter-based generator stands: step `s` draws its keys as randomKey(seed, s). */
export interface GeneratorPosition {
  readonly seed: number;
  /** Steps whose keys have been drawn; the next step draws with step + 1. */
  readonly step: number;
  /** The generator's GENERATOR_VERSION: written as this graft's when absent; read as 1 from files that predate it. */
  readonly version?: number;
}

export interface CheckpointMeta {
  /** Completed optimizer steps (OptimizerState.step). */
  readonly step: number;
  readonly epoch: number;
  readonly phaseDepth: number;
  readonly best?: BestCheckpoint;
  /** The phase machine's progress, opaque here: any value JSON keeps exactly. */
  readonly phaseProgress: unknown;
  readonly generator: GeneratorPosition;
  /** The user's configuration, or a hash of it, to tell a resume with a different config. */
  readonly config: string;
}

const optional = <C extends t.Mixed>(c: C) =>
  new t.Type<t.TypeOf<C> | undefined, unknown, unknown>(c.name, (u): u is t.TypeOf<C> | undefined => u === undefined || c.is(u), (u, ctx) => (u === undefined ? t.success(undefined) : c.validate(u, ctx)), (a) => (a === undefined ? undefined : c.encode(a)));
const present = new t.Type<unknown>('a JSON value', (u): u is unknown => u !== undefined, (u, ctx) => (u === undefined ? t.failure(u, ctx) : t.success(u)), (a) => a);
const Finite = t.refinement(t.number, Number.isFinite, 'finite number');
const Sha256Hex = t.refinement(t.string, (s) => /^[0-9a-f]{64}$/.test(s), 'SHA-256 as 64 lowercase hex digits');

/** Files written before the generator's version was recorded drew with version 1. */
const GeneratorVersion = new t.Type<number, number, unknown>('non-negative integer', (u): u is number => NonNegativeInteger.is(u), (u, ctx) => (u === undefined ? t.success(1) : NonNegativeInteger.validate(u, ctx)), (a) => a);

const FieldCodecs = {
  step: NonNegativeInteger,
  epoch: NonNegativeInteger,
  phaseDepth: NonNegativeInteger,
  best: optional(t.type({ metric: Finite, depth: NonNegativeInteger, epoch: NonNegativeInteger })),
  phaseProgress: present,
  generator: t.type({ seed: NonNegativeInteger, step: NonNegativeInteger, version: GeneratorVersion }, '{ seed: non-negative integer, step: non-negative integer, version?: non-negative integer }'),
  config: t.string,
};
type Field = keyof typeof FieldCodecs;
const FIELDS = Object.keys(FieldCodecs) as Field[];

export const PREFIX = 'graft.';
export const metaKey = (field: Field | 'formatVersion' | 'checksum'): string => `${PREFIX}${field}`;

/** The `__metadata__` strings for `meta`, or every field that would not decode back to itself. */
export const encodeMeta = (meta: CheckpointMeta, checksum: string): E.Either<Problem[], Record<string, string>> => {
  const problems = [
    ...FIELDS.flatMap((f) => {
      const decoded = (FieldCodecs[f] as t.Decoder<unknown, unknown>).decode(meta[f]);
      return E.isLeft(decoded) ? decodeProblems(['meta', f], decoded.left) : [];
    }),
    ...jsonValueProblems(meta.phaseProgress, ['meta', 'phaseProgress']),
  ];
  if (problems.length) return E.left(problems);
  const stamped: CheckpointMeta = { ...meta, generator: { ...meta.generator, version: meta.generator.version ?? GENERATOR_VERSION } };
  const fields = FIELDS.filter((f) => stamped[f] !== undefined).map((f) => [metaKey(f), JSON.stringify(stamped[f])]);
  return E.right(Object.fromEntries([[metaKey('formatVersion'), String(CHECKPOINT_FORMAT_VERSION)], ...fields, [metaKey('checksum'), JSON.stringify(checksum)]]));
};

const parse = (metadata: Readonly<Record<string, string>>, key: string): E.Either<Problem[], unknown> => {
  const text = metadata[key];
  if (text === undefined) return E.right(undefined);
  try {
    return E.right(JSON.parse(text) as unknown);
  } catch (e) {
    return E.left([problemAt([METADATA_KEY, key], `not JSON: ${(e as Error).message} in ${JSON.stringify(text.slice(0, 40))}`)]);
  }
};

const decodeField = <A>(metadata: Readonly<Record<string, string>>, key: string, codec: t.Decoder<unknown, A>): E.Either<Problem[], A> =>
  E.chain((raw: unknown) => E.mapLeft((errors: t.Errors) => decodeProblems([METADATA_KEY, key], errors))(codec.decode(raw)))(parse(metadata, key));

/** The checksum the file claims, on its own: checked against the data even when other fields are wrong. */
export const decodeChecksum = (metadata: Readonly<Record<string, string>>): E.Either<Problem[], string> => decodeField(metadata, metaKey('checksum'), Sha256Hex);

/** The typed metadata and the checksum the file claims, or every problem with its path. */
export const decodeMeta = (metadata: Readonly<Record<string, string>>): E.Either<Problem[], { meta: CheckpointMeta; checksum: string }> => {
  if (!Object.keys(metadata).some((k) => k.startsWith(PREFIX))) {
    return E.left([problemAt([METADATA_KEY], `no graft metadata (${[...FIELDS, 'checksum' as const].map(metaKey).join(', ')}): not a graft checkpoint`)]);
  }
  const version = decodeField(metadata, metaKey('formatVersion'), NonNegativeInteger);
  if (E.isLeft(version)) return version;
  // another version may name or mean its fields differently: say only that
  if (version.right !== CHECKPOINT_FORMAT_VERSION) return E.left([problemAt([METADATA_KEY, metaKey('formatVersion')], `format version ${version.right} is not one this graft reads (${CHECKPOINT_FORMAT_VERSION})`)]);
  const problems: Problem[] = [];
  const meta: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const v = decodeField(metadata, metaKey(f), FieldCodecs[f] as t.Decoder<unknown, unknown>);
    if (E.isLeft(v)) problems.push(...v.left);
    else if (v.right !== undefined) meta[f] = v.right;
  }
  const checksum = decodeChecksum(metadata);
  if (E.isLeft(checksum)) problems.push(...checksum.left);
  return problems.length || E.isLeft(checksum) ? E.left(problems) : E.right({ meta: meta as unknown as CheckpointMeta, checksum: checksum.right });
};

/** A resume must draw the masks the run would have drawn: a checkpoint of another generator version is refused. */
export const generatorVersionProblems = (meta: CheckpointMeta): Problem[] => {
  const version = meta.generator.version ?? GENERATOR_VERSION;
  return version === GENERATOR_VERSION
    ? []
    : [problemAt([METADATA_KEY, metaKey('generator'), 'version'], `drawn with random generator version ${version}, this graft draws with version ${GENERATOR_VERSION}: resuming would draw other dropout and Child-Tuning masks; start a new run (its weights still load)`)];
};

// Sharded checkpoints (FSDP's SHARDED_STATE_DICT): one safetensors file per rank plus index.json, each written
// atomically; the index is replaced only after every rank's file is whole, so a crash leaves the previous set intact.
// Loading reads every file and rebuilds whole tensors (re-sharding to any W is then slicing, see restore).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../../dsl/index.js';
import type { Collectives, FullState, ShardState, UnitLayout } from '../../shard/index.js';
import { chunkOf, failureMessage, ownerRank, unitLayout, unflattenUnit } from '../../shard/index.js';
import type { Unit } from '../../shard/index.js';
import { formatCheckpointProblem, loadCheckpoint, saveCheckpoint, writeFileAtomically } from '../checkpoint/index.js';
import { decodeProblems } from '../checkpoint/decode-errors.js';
import type { Values } from '../optimizer-runner.js';
import type { ScheduledProgress } from '../scheduled-checkpoint.js';
import { ProgressCodec } from '../scheduled-checkpoint.js';

export const INDEX_FILE = 'index.json';
const FORMAT = 'graft-sharded-checkpoint';

interface UnitRecord {
  readonly unit: string;
  readonly numel: number;
  readonly chunk: number;
}

export interface ShardIndex {
  readonly format: typeof FORMAT;
  readonly version: 1;
  readonly step: number;
  readonly epoch: number;
  readonly seed: number;
  readonly config: string;
  readonly strategy: ShardState['strategy'];
  /** Ranks of the run that wrote it. */
  readonly size: number;
  readonly units: readonly UnitRecord[];
  /** One per rank that holds a distinct shard (one for NO_SHARD), in rank order. */
  readonly files: ReadonlyArray<{ readonly rank: number; readonly file: string; readonly checksum: string }>;
  /** A scheduled run's phase machine, groups and best state. */
  readonly schedule?: ScheduleRecord;
}

/** Where a scheduled run stands, beside its shards: every rank file repeats the progress, so a file from another point is caught. */
export interface ScheduleRecord {
  readonly progress: ScheduledProgress;
  /** The best state restore-best rolls back to, one whole file (every rank holds it whole), once the machine has a best. */
  readonly best?: { readonly file: string; readonly checksum: string };
}

/** What each rank file records of the set it belongs to, so a file from another run or step is caught. */
interface ShardTag {
  readonly rank: number;
  readonly size: number;
  readonly strategy: string;
  readonly units: readonly UnitRecord[];
}

export interface ShardedMeta {
  readonly epoch: number;
  readonly seed: number;
  /** A digest of the settings the numbers depend on: a resume under others is refused. */
  readonly config: string;
  readonly schedule?: ScheduleRecord;
}

const unitKey = (unit: string) => `unit:${unit === '' ? '(root)' : unit}`;
const unitRecords = (layouts: readonly UnitLayout[]): UnitRecord[] => layouts.map((l) => ({ unit: l.unit, numel: l.numel, chunk: l.chunk }));
const fileRanksOf = (strategy: string, size: number) => (strategy === 'NO_SHARD' ? 1 : size);
const rankFile = (rank: number, n: number, step: number) => `rank-${rank}-of-${n}.step-${step}.safetensors`;
const BEST_FILE = /^best\.epoch-\d+\.safetensors$/;
/** The whole best state of a scheduled run, named by the epochs done when it was taken: a new best never replaces the one an index names. */
export const bestFile = (epochsDone: number) => `best.epoch-${epochsDone}.safetensors`;

/** Every rank writes its file, then rank 0 the index (after a barrier), then rank 0 removes the files of older sets. */
export const saveSharded = async (c: Collectives, dir: string, s: ShardState, meta: ShardedMeta): Promise<E.Either<string[], void>> => {
  const n = fileRanksOf(s.strategy, s.size);
  const units = unitRecords(s.layouts);
  const owner = ownerRank(s);
  if (c.rank < n) {
    const params = Object.fromEntries(s.layouts.map((l) => [unitKey(l.unit), s.strategy === 'FULL_SHARD' ? s.params[l.unit] : chunkOf(l, owner, s.params[l.unit])]));
    const tag: ShardTag = { rank: c.rank, size: s.size, strategy: s.strategy, units };
    const progress = meta.schedule ? { schedule: meta.schedule.progress } : {};
    const saved = saveCheckpoint(join(dir, rankFile(c.rank, n, s.step)), { params, optState: s.opt, meta: { step: s.step, epoch: meta.epoch, phaseDepth: meta.schedule?.progress.machine.depth ?? 0, phaseProgress: { sharded: tag, ...progress }, generator: { seed: meta.seed, step: s.step }, config: meta.config } });
    if (E.isLeft(saved)) return E.left(saved.left.map(formatCheckpointProblem));
  }
  const written = await c.barrier();
  if (E.isLeft(written)) return E.left([failureMessage(written.left)]);
  if (c.rank === 0) {
    const files = Array.from({ length: n }, (_, r) => {
      const file = rankFile(r, n, s.step);
      const loaded = loadCheckpoint(join(dir, file));
      return { rank: r, file, checksum: E.isRight(loaded) ? loaded.right.checksum : '' };
    });
    const index: ShardIndex = { format: FORMAT, version: 1, step: s.step, epoch: meta.epoch, seed: meta.seed, config: meta.config, strategy: s.strategy, size: s.size, units, files, ...(meta.schedule ? { schedule: meta.schedule } : {}) };
    writeFileAtomically(join(dir, INDEX_FILE), new TextEncoder().encode(JSON.stringify(index, null, 1) + '\n'));
    const keep = new Set([...files.map((f) => f.file), ...(meta.schedule?.best ? [meta.schedule.best.file] : [])]);
    for (const f of readdirSync(dir)) if ((/^rank-\d+-of-\d+\.step-\d+\.safetensors$/.test(f) || BEST_FILE.test(f)) && !keep.has(f)) rmSync(join(dir, f), { force: true });
  }
  const indexed = await c.barrier();
  return E.isLeft(indexed) ? E.left([failureMessage(indexed.left)]) : E.right(undefined);
};

const scheduleProblems = (raw: any): string[] => {
  const progress = ProgressCodec.decode(raw?.progress);
  return [
    ...(E.isLeft(progress) ? decodeProblems(['schedule', 'progress'], progress.left).map((p) => `${p.path}: ${p.message}`) : []),
    ...(raw?.best === undefined || (typeof raw.best?.file === 'string' && BEST_FILE.test(raw.best.file) && typeof raw.best?.checksum === 'string') ? [] : ['schedule.best: expected { file: best.epoch-<n>.safetensors, checksum }']),
  ];
};

/** The phase state in a line: what tells two points of one run apart. */
const describeProgress = (p: ScheduledProgress | undefined) =>
  p === undefined ? 'none' : `phase depth ${p.machine.depth}, best ${p.machine.best ? `after epoch ${p.machine.best.epoch + 1} (${p.machine.best.metric})` : 'none'}, ${p.machine.wait} validation(s) without improvement, ${p.groups.length} group(s)`;

/** The index of the sharded checkpoint in `dir`, every problem with its path. */
export const readShardIndex = (dir: string): E.Either<string[], ShardIndex> => {
  const file = join(dir, INDEX_FILE);
  if (!existsSync(file)) return E.left([`${file}: no such file (not a sharded checkpoint folder)`]);
  let raw: any;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return E.left([`${file}: not JSON: ${(e as Error).message}`]);
  }
  const nat = (x: unknown) => Number.isInteger(x) && (x as number) >= 0;
  const problems = [
    ...(raw?.format === FORMAT ? [] : [`format: expected '${FORMAT}', got ${JSON.stringify(raw?.format)}`]),
    ...(raw?.version === 1 ? [] : [`version: expected 1, got ${JSON.stringify(raw?.version)}`]),
    ...(['step', 'epoch', 'seed', 'size'] as const).filter((k) => !nat(raw?.[k])).map((k) => `${k}: expected a non-negative integer, got ${JSON.stringify(raw?.[k])}`),
    ...(typeof raw?.config === 'string' ? [] : ['config: expected a string']),
    ...(['FULL_SHARD', 'SHARD_GRAD_OP', 'NO_SHARD'].includes(raw?.strategy) ? [] : [`strategy: expected FULL_SHARD, SHARD_GRAD_OP or NO_SHARD, got ${JSON.stringify(raw?.strategy)}`]),
    ...(Array.isArray(raw?.units) && raw.units.every((u: any) => typeof u?.unit === 'string' && nat(u?.numel) && nat(u?.chunk)) ? [] : ['units: expected [{ unit, numel, chunk }]']),
    ...(Array.isArray(raw?.files) && raw.files.every((f: any, r: number) => f?.rank === r && typeof f?.file === 'string' && /^[^/\\]+$/.test(f.file) && typeof f?.checksum === 'string') ? [] : ['files: expected [{ rank, file, checksum }] in rank order, plain file names']),
    ...(raw?.schedule === undefined ? [] : scheduleProblems(raw.schedule)),
  ].map((p) => `${file}: ${p}`);
  return problems.length ? E.left(problems) : E.right(raw as ShardIndex);
};

/** What the loader checks the files against: this model's units and shapes, this optimizer's whole state. */
export interface ShardedExpectation {
  readonly units: readonly Unit[];
  readonly shapes: Readonly<Record<string, Shape>>;
  readonly optShapes: Readonly<Record<string, Shape>>;
  /** The settings digest this run has; undefined accepts any. */
  readonly config?: string;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The whole state a sharded checkpoint holds, or every problem of the index and every file at once. */
export const loadSharded = (dir: string, expect: ShardedExpectation): E.Either<string[], { full: FullState; index: ShardIndex }> => {
  const indexE = readShardIndex(dir);
  if (E.isLeft(indexE)) return indexE;
  const index = indexE.right;
  const n = fileRanksOf(index.strategy, index.size);
  const where = join(dir, INDEX_FILE);
  const layouts = expect.units.filter((u) => u.size > 0).map((u) => unitLayout(u, expect.shapes, n));
  const problems: string[] = [
    ...(index.files.length === n ? [] : [`${where}: files: ${index.files.length} listed, but a ${index.strategy} run of ${index.size} ranks writes ${n}`]),
    ...(expect.config === undefined || index.config === expect.config ? [] : [`${where}: config: written under settings ${index.config}, this run's are ${expect.config}: resume with the settings it started with`]),
    ...layouts.flatMap((l) => (E.isLeft(l) ? l.left.map((p) => `${p.path}: ${p.message}`) : [])),
  ];
  const ok = layouts.flatMap((l) => (E.isRight(l) ? [l.right] : []));
  if (!same(unitRecords(ok), index.units)) problems.push(`${where}: units: the checkpoint's flat units ${JSON.stringify(index.units)} are not this model's ${JSON.stringify(unitRecords(ok))}`);
  const files = index.files.map((f) => {
    const path = join(dir, f.file);
    const loaded = loadCheckpoint(path);
    if (E.isLeft(loaded)) {
      problems.push(...loaded.left.map(formatCheckpointProblem));
      return undefined;
    }
    const m = loaded.right.meta;
    const tag = (m.phaseProgress as { sharded?: ShardTag } | null)?.sharded;
    const schedule = (m.phaseProgress as { schedule?: ScheduledProgress } | null)?.schedule;
    problems.push(
      ...(m.step === index.step ? [] : [`${path}: step ${m.step}, but the index says ${index.step}`]),
      ...(m.config === index.config ? [] : [`${path}: config ${m.config}, but the index says ${index.config}`]),
      ...(loaded.right.checksum === f.checksum ? [] : [`${path}: checksum ${loaded.right.checksum}, but the index recorded ${f.checksum}: the file was replaced`]),
      ...(tag && tag.rank === f.rank && tag.size === index.size && tag.strategy === index.strategy && same(tag.units, index.units) ? [] : [`${path}: written as ${tag ? `rank ${tag.rank} of ${tag.size} (${tag.strategy})` : 'an unsharded checkpoint'}, but the index lists it as rank ${f.rank} of ${index.size} (${index.strategy})${tag && !same(tag.units, index.units) ? ' with other units' : ''}`]),
      ...(same(schedule, index.schedule?.progress) ? [] : [`${path}: phase state ${describeProgress(schedule)}${same(describeProgress(schedule), describeProgress(index.schedule?.progress)) ? ' (other groups or transitions)' : ''}, but the index says ${describeProgress(index.schedule?.progress)}`]),
      ...ok.filter((l) => loaded.right.params[unitKey(l.unit)]?.length !== l.chunk).map((l) => `${path}: ${unitKey(l.unit)}: expected ${l.chunk} values, got ${loaded.right.params[unitKey(l.unit)]?.length ?? 'none'}`),
    );
    return loaded.right;
  });
  if (problems.length) return E.left(problems);
  const loaded = files.map((f) => f!);
  const params: Record<string, Float32Array> = {};
  for (const l of ok) {
    const flat = new Float32Array(l.chunk * n);
    loaded.forEach((f, r) => flat.set(f.params[unitKey(l.unit)], r * l.chunk));
    Object.assign(params, unflattenUnit(l, flat));
  }
  const slotOf = new Map(ok.flatMap((l) => l.params.map((slot) => [slot.name, slot] as const)));
  const opt: Record<string, Float32Array> = {};
  for (const [path, shape] of Object.entries(expect.optShapes)) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    const slot = slotOf.get(name);
    const size = shape.reduce((a, b) => a * b, 1);
    if (slot && slot.size === size && path !== name) {
      const whole = new Float32Array(size);
      slot.pieces.forEach((p, r) => {
        if (p.end > p.start) {
          const piece = loaded[r].optState[path];
          if (piece?.length !== p.end - p.start) problems.push(`${join(dir, index.files[r].file)}: opt/${path}: expected ${p.end - p.start} values, got ${piece?.length ?? 'none'}`);
          else whole.set(piece, p.start);
        }
      });
      opt[path] = whole;
    } else {
      // replicated leaves (a step count): every file that has one must agree
      const copies = loaded.map((f, r) => [r, f.optState[path]] as const).filter(([, v]) => v !== undefined);
      if (!copies.length || copies[0][1].length !== size) problems.push(`${where}: opt/${path}: no rank file holds it with ${size} values`);
      else {
        copies.filter(([, v]) => !same(Array.from(v), Array.from(copies[0][1]))).forEach(([r]) => problems.push(`${join(dir, index.files[r].file)}: opt/${path}: differs from rank ${copies[0][0]}'s`));
        opt[path] = copies[0][1];
      }
    }
  }
  return problems.length ? E.left(problems) : E.right({ full: { params: params as Values, opt, step: index.step }, index });
};

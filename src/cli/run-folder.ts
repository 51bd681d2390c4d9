// A comparison's run folder read back for `--resume`: its configuration, the runs it finished and the epochs it
// recorded, each line decoded with io-ts; every problem with its file and line, before anything runs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { describeDecodeErrors } from '../optim/model-spec.js';
import type { ResolvedFinetune } from '../train/finetune-config.js';
import type { EpochRecord } from '../train/fit.js';
import type { Method, RunResult } from '../train/mnist-job.js';
import { METHODS } from '../train/mnist-job.js';
import type { FileProblem } from './files.js';
import { readText } from './files.js';
import { readFinetuneConfig } from './config-file.js';

export const RUN_FILES = { config: 'config.json', runs: 'runs.jsonl', metrics: 'metrics.jsonl', checkpoints: 'checkpoints' } as const;

export const MethodC = t.keyof(Object.fromEntries(METHODS.map((m) => [m, null])) as Record<Method, null>);
/** JSON writes a diverged run's NaN (or an infinity) as null: read it back as NaN. */
export const Metric = new t.Type<number, number, unknown>('number (null for NaN)', (u): u is number => typeof u === 'number', (u, c) => (u === null ? t.success(Number.NaN) : t.number.validate(u, c)), (a) => a);
export const Record = t.intersection([
  t.type({ epoch: t.number, trainLoss: Metric, trainAccuracy: Metric, evalLoss: Metric, evalAccuracy: Metric, seconds: t.number }),
  t.partial({ depth: t.number }),
]);
export const MetricLine = t.intersection([t.type({ method: MethodC, seed: t.number }), Record]);
const RunLine = t.intersection([
  t.type({ method: MethodC, seed: t.number, testAccuracy: Metric, seconds: t.number, records: t.array(Record) }),
  t.partial({ keptFraction: t.number, transitions: t.array(t.type({ epoch: t.number, depth: t.number })), stopReason: t.string, predictedClasses: t.array(t.number), steps: t.number, untimedEpochs: t.number }),
]);

/** Each non-empty line of a JSON-lines file decoded, or every bad line with its number. */
export const jsonLines = <A>(file: string, codec: t.Decoder<unknown, A>): E.Either<FileProblem[], A[]> => {
  if (!existsSync(file)) return E.right([]);
  return E.chain((text: string) => {
    const problems: FileProblem[] = [];
    const out: A[] = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (e) {
        problems.push({ file, path: `line ${i + 1}`, message: `not JSON: ${(e as Error).message}` });
        return;
      }
      const d = codec.decode(raw);
      if (E.isLeft(d)) problems.push(...describeDecodeErrors(d.left).map((p) => ({ file, path: `line ${i + 1}: ${p.path}`, message: p.message })));
      else out.push(d.right);
    });
    return problems.length ? E.left(problems) : E.right(out);
  })(readText(file));
};

/** Folders written when epochs were counted from 0 have a run with an epoch 0: renumbered from 1, as now. */
const fromOne = <A extends { readonly epoch: number }>(records: readonly A[]): A[] =>
  records.some((r) => r.epoch === 0) ? records.map((r) => ({ ...r, epoch: r.epoch + 1 })) : [...records];
const runKey = (l: { method: string; seed: number }) => `${l.method}/${l.seed}`;
const linesFromOne = (lines: readonly MetricLine[]): MetricLine[] => {
  const old = new Set(lines.filter((l) => l.epoch === 0).map(runKey));
  return lines.map((l) => (old.has(runKey(l)) ? { ...l, epoch: l.epoch + 1 } : l));
};

export interface RunFolder {
  readonly config: ResolvedFinetune;
  readonly finished: readonly RunResult[];
  /** Every line of metrics.jsonl, in file order. */
  readonly metrics: readonly MetricLine[];
  /** Epochs recorded for each run, finished or not. */
  readonly earlier: (method: Method, seed: number) => readonly EpochRecord[];
}

export type MetricLine = t.TypeOf<typeof MetricLine>;

/** The epochs metrics.jsonl recorded for one run, in order. */
// the last line of an epoch wins: one logged before a crash and trained again was logged twice
export const earlierRecords = (lines: readonly MetricLine[], method: Method, seed: number): EpochRecord[] =>
  [...new Map(lines.filter((l) => l.method === method && l.seed === seed).map(({ method: _m, seed: _s, ...rec }) => [rec.epoch, rec])).values()].sort((a, b) => a.epoch - b.epoch);

export const readRunFolder = (dir: string): E.Either<FileProblem[], RunFolder> => {
  const configFile = join(dir, RUN_FILES.config);
  const config = readFinetuneConfig(configFile);
  const runs = jsonLines(join(dir, RUN_FILES.runs), RunLine);
  const metrics = jsonLines(join(dir, RUN_FILES.metrics), MetricLine);
  const problems = [config, runs, metrics].flatMap((e) => (E.isLeft(e) ? e.left : []));
  if (problems.length || E.isLeft(config) || E.isLeft(runs) || E.isLeft(metrics)) return E.left(problems);
  const lines = linesFromOne(metrics.right);
  return E.right({
    config: config.right,
    finished: runs.right.map((r) => ({ ...r, records: fromOne(r.records) })) as RunResult[],
    metrics: lines,
    earlier: (method, seed) => earlierRecords(lines, method, seed),
  });
};

// A `graft text` run folder read back for `--resume`: the settings it started with (and the backend it ran on), the
// runs it finished and the epochs it recorded; every problem with its file and line, before anything runs.
import { join } from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import type { BackendChoice } from '../runtime/index.js';
import type { TextJobConfig, TextRunResult } from '../train/text/text-job.js';
import { decodeTextSettings } from '../train/text/text-settings.js';
import type { FileProblem } from './files.js';
import { readJson } from './files.js';
import { BackendOption } from './options.js';
import type { MetricLine as MetricLineT } from './run-folder.js';
import { Metric, MethodC, MetricLine, RUN_FILES, Record as EpochRecordC, jsonLines } from './run-folder.js';

const TextRunLine = t.intersection([
  t.type({ method: MethodC, seed: t.number, testAccuracy: Metric, testF1: Metric, seconds: t.number, records: t.array(EpochRecordC) }),
  t.partial({ hardHamAccuracy: t.number, keptFraction: t.number, transitions: t.array(t.type({ epoch: t.number, depth: t.number })), stopReason: t.string, untimedEpochs: t.number }),
]);

export interface TextRunFolder {
  readonly config: TextJobConfig;
  readonly backend: BackendChoice;
  readonly finished: readonly TextRunResult[];
  /** Every line of metrics.jsonl, in file order. */
  readonly metrics: readonly MetricLineT[];
}

export const readTextRunFolder = (dir: string): E.Either<FileProblem[], TextRunFolder> => {
  const file = join(dir, RUN_FILES.config);
  const problems: FileProblem[] = [];
  let config: TextJobConfig | undefined;
  let backend: BackendChoice | undefined;
  const raw = readJson(file);
  if (E.isLeft(raw)) problems.push(...raw.left);
  else {
    // config.json is the settings plus the backend the run used
    const { backend: b, ...settings } = raw.right as Record<string, unknown>;
    const decodedBackend = BackendOption.decode(b);
    if (E.isLeft(decodedBackend)) problems.push({ file, path: 'backend', message: `expected one of auto, webgpu, wasm, webasm, cpu, got ${JSON.stringify(b)}` });
    else backend = decodedBackend.right;
    const decoded = decodeTextSettings(settings);
    if (E.isLeft(decoded)) problems.push(...decoded.left.map((p) => ({ file, path: p.path, message: p.message })));
    else config = decoded.right;
  }
  const runs = jsonLines(join(dir, RUN_FILES.runs), TextRunLine);
  const metrics = jsonLines(join(dir, RUN_FILES.metrics), MetricLine);
  for (const e of [runs, metrics]) if (E.isLeft(e)) problems.push(...e.left);
  if (problems.length || !config || !backend || E.isLeft(runs) || E.isLeft(metrics)) return E.left(problems);
  return E.right({ config, backend, finished: runs.right as TextRunResult[], metrics: metrics.right });
};

// `graft finetune --config <file> [--overfit-batch]`: custom runs of the mnist comparison.
import * as E from 'fp-ts/lib/Either.js';
import { join } from 'node:path';
import { createRuntime } from '../runtime/index.js';
import { finetuneSplits, pretrainedMlp } from '../train/mnist-job.js';
import { overfitCheck } from '../train/overfit-check.js';
import { formatFileProblem } from './files.js';
import { readFinetuneConfig } from './config-file.js';
import { runComparison } from './mnist.js';
import { configFormat, parseConfigText } from '../train/config-text.js';
import { isTextConfig } from '../train/text/text-finetune-config.js';
import { readText } from './files.js';
import { runTextFinetune } from './text-finetune.js';

/** The config `file` holds when it is a user's own text task (it names a model: text-finetune-config.ts), else undefined. */
export const textConfigIn = (file: string): Record<string, unknown> | undefined => {
  const format = configFormat(file);
  const src = readText(file);
  const parsed = E.isRight(format) && E.isRight(src) ? parseConfigText(src.right, format.right) : undefined;
  return parsed && E.isRight(parsed) && isTextConfig(parsed.right) ? parsed.right : undefined;
};

/** Exit 0 on success, 1 when the file has problems (all printed, nothing run) or the sanity check fails. */
export const runFinetune = async (file: string, o: { overfitBatch?: boolean }, log: (s: string) => void = console.log): Promise<number> => {
  const text = textConfigIn(file);
  if (text) return runTextFinetune(text, file, log);
  const cfg = readFinetuneConfig(file);
  if (E.isLeft(cfg)) {
    cfg.left.forEach((p) => log(`error: ${formatFileProblem(p)}`));
    return 1;
  }
  const c = cfg.right;
  if (!o.overfitBatch) return runComparison(c, { backend: c.backend, out: c.out, command: 'finetune' }, log);
  const rt = await createRuntime({ backend: c.backend });
  try {
    const { model, base } = await pretrainedMlp(rt, c, join(c.out ?? 'runs', 'cache'), log);
    const { test, trainFor } = finetuneSplits(c);
    const verdict = await overfitCheck(rt, model, base, trainFor(c.seeds[0]), test, { epochs: c.finetuneEpochs, batchSize: c.batchSize, lr: c.lr, seed: c.seeds[0] });
    [...verdict.lines, ...verdict.message].forEach((l) => log(l));
    return verdict.outcome === 'memorised' ? 0 : 1;
  } finally {
    rt.destroy();
  }
};

// `graft finetune --config` with a `model`: fine-tune an HF BERT folder on the user's labelled text with one method;
// outputs the run's metrics and the fine-tuned model as an HF folder (with its tokenizer) under out/<time>/.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../nn/index.js';
import * as o from '../optim/index.js';
import { fisherMask } from '../optim/index.js';
import { generateSchedule } from '../optim/phases/index.js';
import { createRuntime } from '../runtime/index.js';
import type { BackendChoice, Runtime } from '../runtime/index.js';
import { evaluator, fit } from '../train/fit.js';
import { scheduledFit } from '../train/scheduled-fit.js';
import { fisherScores } from '../train/fisher-pass.js';
import { maskedTokenRows } from '../train/classifier-objective.js';
import { saveHfBert, HF_FILES } from '../train/hf/index.js';
import type { ConfigProblem, TextFinetuneBuild, TextFinetuneJob } from '../train/text/text-finetune-config.js';
import { formatConfigProblem, needsBuild, resolveTextFinetune } from '../train/text/text-finetune-config.js';
import { pretrainedBert } from '../train/text/pretrained-bert.js';
import { textExamples, spamScores } from '../train/text/spam-splits.js';
import { scheduledMachine, textTransform } from '../train/text/text-job.js';
import { writeAtomically } from './files.js';
import { onInterrupt, shellQuote } from './interrupt.js';

export const runTextFinetune = async (raw: Record<string, unknown>, file: string, log: (s: string) => void = console.log, backend?: BackendChoice): Promise<number> => {
  const plan = resolveTextFinetune(raw, file);
  if (E.isLeft(plan)) {
    plan.left.forEach((p) => log(`error: ${formatConfigProblem(p)}`));
    return 1;
  }
  const rt = await createRuntime({ backend });
  try {
    const job = await builtJob(rt, plan.right, raw, file, log);
    if (E.isLeft(job)) {
      job.left.forEach((p) => log(`error: ${formatConfigProblem(p)}`));
      return 1;
    }
    return await finetuneText(rt, job.right, file, log);
  } finally {
    rt.destroy();
  }
};

/** The job, after building its built-in model when the cache lacks it (graft text's pre-training, same cache key). */
const builtJob = async (rt: Runtime, plan: TextFinetuneJob | TextFinetuneBuild, raw: Record<string, unknown>, file: string, log: (s: string) => void): Promise<E.Either<ConfigProblem[], TextFinetuneJob>> => {
  if (!needsBuild(plan)) return E.right(plan);
  log(`graft finetune: ${plan.settings.model} is not in ${plan.build.cacheDir} yet: building it as graft text does`);
  await pretrainedBert(rt, plan.build.pretrain, plan.build.cacheDir, plan.build.labels, plan.settings.seed, log);
  const again = resolveTextFinetune(raw, file);
  if (E.isRight(again) && needsBuild(again.right)) throw new Error(`${plan.settings.model}: built, but not found in ${plan.build.cacheDir}`);
  return again as E.Either<ConfigProblem[], TextFinetuneJob>;
};

const finetuneText = async (rt: Runtime, job: TextFinetuneJob, file: string, log: (s: string) => void): Promise<number> => {
  const { settings: s, model: loaded, tokenizer } = job;
  const model = nn.bertClassifier(loaded.config);
  const train = textExamples(tokenizer, job.train, s.seqLength);
  const evalSet = textExamples(tokenizer, job.eval, s.seqLength);
  const dir = join(s.out, new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  writeAtomically(join(dir, 'config.json'), `${JSON.stringify({ ...s, backend: rt.report.backend }, null, 2)}\n`);
  log(`graft finetune: ${s.method} on ${train.count} examples of ${job.modelDir} (labels ${loaded.labels.join(', ')}); backend ${rt.report.backend}; outputs in ${dir}`);
  loaded.notes.forEach((n) => log(`  ${n}`));
  // one method's run: nothing to resume from, so Ctrl-C says what is kept and how to start again
  const stopListening = onInterrupt(() => [`graft: stopped; ${dir} holds the settings and the epochs done (metrics.jsonl). A text config's run does not resume: run graft finetune --config ${shellQuote(file)} again.`], log);
  try {
    const metrics: string[] = [];
    const onEpoch = (r: object) => {
      metrics.push(JSON.stringify(r));
      writeAtomically(join(dir, 'metrics.jsonl'), `${metrics.join('\n')}\n`);
    };
    const common = { model, input: maskedTokenRows, features: [3, s.seqLength], batchSize: s.batchSize, seed: s.seed, stepsPerCall: 4, progress: s.method };
    const t0 = performance.now();
    let params: Readonly<Record<string, Float32Array>>;
    if (s.method === 'scheduled') {
      const schedule = job.phases
        ? job.phases.map((p) => ({ params: p.params, max_transition_epoch: p.maxTransitionEpoch, ...(p.lr === undefined ? {} : { lr: p.lr }) }))
        : generateSchedule(nn.modelSpec(model), { baseMaxLr: s.lr });
      const res = await scheduledFit(rt, { ...common, machine: scheduledMachine({ lr: s.lr, finetuneEpochs: s.epochs }, schedule), groupTransform: (lr, decay) => o.childTuningAdamW(lr ?? s.lr, { weightDecay: decay ? 0.01 : 0 }), onEpoch, log }, loaded.params, train, evalSet);
      params = res.params;
    } else {
      let masks: Record<string, Uint8Array> | undefined;
      if (s.method === 'child-tuning-D') {
        const selected = Object.keys(loaded.params).filter((n) => n.includes('layer'));
        masks = fisherMask(await fisherScores(rt, model, loaded.params, train, { selected, batchSize: s.batchSize, seed: s.seed, maxGradNorm: 1, features: [3, s.seqLength], input: maskedTokenRows }), s.reserveP).masks;
      }
      const res = await fit(rt, { ...common, transform: textTransform(s.method, s, s.seed, s.epochs * Math.floor(train.count / s.batchSize), masks), epochs: s.epochs, onEpoch }, loaded.params, train, evalSet);
      params = res.params;
    }
    const ev = evaluator(rt, model, [3, s.seqLength], evalSet, maskedTokenRows, true);
    const { predictions } = await ev.run(params);
    ev.destroy();
    const scores = spamScores(predictions!, evalSet.labels);
    writeAtomically(join(dir, 'result.json'), `${JSON.stringify({ method: s.method, evalAccuracy: scores.accuracy, seconds: (performance.now() - t0) / 1000 }, null, 2)}\n`);
    // the tokenizer goes into the same atomic folder write as the weights: a folder is whole or absent
    const tokenizerFiles = Object.fromEntries([HF_FILES.tokenizer, HF_FILES.tokenizerConfig].filter((f) => existsSync(join(job.modelDir, f))).map((f) => [f, readFileSync(join(job.modelDir, f))]));
    const saved = saveHfBert(join(dir, 'model'), loaded.config, loaded.labels, params, false, tokenizerFiles);
    if (E.isLeft(saved)) throw new Error(saved.left.map(formatConfigProblem).join('; '));
    log(`eval accuracy ${(scores.accuracy * 100).toFixed(1)}%; the fine-tuned model (with its tokenizer) is ${join(dir, 'model')}`);
    return 0;
  } finally {
    stopListening();
  }
};

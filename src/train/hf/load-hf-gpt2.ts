// Loading a Hugging Face GPT-2 folder (config.json + safetensors, sharded or not, F32/F16/BF16) as graft's
// GPT2LMHeadModel or GPT2ForSequenceClassification, matched by name as from_pretrained does: a bare GPT2Model gains
// `transformer.`, the causal-mask buffers and the tied `lm_head.weight` are skipped, a missing or resized `score`
// starts afresh; every problem at once.
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { Layer, ResolvedGpt2Config } from '../../nn/index.js';
import { gpt2Classifier, gpt2LMHead, initValues } from '../../nn/index.js';
import type { CheckpointProblem } from '../checkpoint/index.js';
import { inFile, problemAt } from '../checkpoint/problem.js';
import { decodeHfGpt2Config } from './gpt2-hf-config.js';
import { HF_FILES, readHfWeights, readJsonFile } from './hf-weights.js';
import type { HfNaming } from './bert-weights.js';
import { matchHfWeights } from './bert-weights.js';
import { oversizedNote } from './load-hf-bert.js';

export const GPT2_NAMING: HfNaming = {
  basePrefix: 'transformer.',
  bareName: /^(wte|wpe|h|ln_f)\./,
  heads: ['score.'],
  // the causal mask (`attn.bias`, `attn.masked_bias`) is a buffer; lm_head.weight is wte itself (tied)
  buffer: /(^|\.)attn\.(bias|masked_bias)$|^lm_head\.weight$/,
};

export interface LoadedHfGpt2 {
  readonly config: ResolvedGpt2Config;
  readonly labels: readonly string[];
  readonly model: Layer<any>;
  readonly params: Record<string, Float32Array>;
  readonly notes: readonly string[];
}

export const loadHfGpt2 = (dir: string, options: { readonly task: 'lm' | 'classifier'; readonly labels?: readonly string[]; readonly seed?: number }): E.Either<CheckpointProblem[], LoadedHfGpt2> => {
  const configFile = join(dir, HF_FILES.config);
  const decoded = E.chain((raw: unknown) => E.mapLeft((ps: Array<{ path: string; message: string }>) => ps.map(inFile(configFile)))(decodeHfGpt2Config(raw)))(readJsonFile(configFile));
  const weights = readHfWeights(dir);
  if (E.isLeft(decoded) || E.isLeft(weights)) return E.left([decoded, weights].flatMap((e: E.Either<CheckpointProblem[], unknown>) => (E.isLeft(e) ? e.left : [])));
  if (options.labels?.length === 0) return E.left([inFile('(arguments)')(problemAt(['labels'], 'no label names: a classifier needs at least one label'))]);
  const labels = options.labels ?? decoded.right.labels;
  const config = { ...decoded.right.config, numLabels: labels.length };
  const model = options.task === 'lm' ? gpt2LMHead(config) : gpt2Classifier(config);
  const newHead = options.task === 'classifier' && labels.length !== decoded.right.config.numLabels;
  const matched = matchHfWeights(model, weights.right, GPT2_NAMING, new Set(newHead ? ['score.weight'] : []));
  return E.map(({ params, fresh, unused }: { params: Record<string, Float32Array>; fresh: readonly string[]; unused: readonly string[] }) => ({
    config,
    labels,
    model,
    params: Object.fromEntries(model.params.map((p) => [p.name, params[p.name] ?? initValues(p.init, p.shape, options.seed ?? 0, p.name)])),
    notes: [
      ...(fresh.length ? [`newly initialised: ${fresh.join(', ')}`] : []),
      ...(unused.length ? [`not used: ${unused.join(', ')}`] : []),
      ...(decoded.right.ignored.length ? [`${configFile}: fields graft does not read: ${decoded.right.ignored.join(', ')}`] : []),
      ...oversizedNote(model),
    ],
  }))(matched);
};

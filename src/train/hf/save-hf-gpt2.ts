// Saving graft's GPT-2 (LM head or sequence classifier) as a Hugging Face folder that from_pretrained loads:
// config.json and model.safetensors under transformers' names, F32, {"format": "pt"}; the tied lm_head is not
// written (transformers ties it back to wte), as save_pretrained does.
import * as E from 'fp-ts/lib/Either.js';
import type { ResolvedGpt2Config } from '../../nn/index.js';
import { gpt2Classifier, gpt2LMHead } from '../../nn/index.js';
import type { Values } from '../optimizer-runner.js';
import type { CheckpointProblem, RawTensor } from '../checkpoint/index.js';
import { encodeSafetensors, f32Tensor } from '../checkpoint/index.js';
import { inFile, problemAt } from '../checkpoint/problem.js';
import { hfGpt2ConfigJson } from './gpt2-hf-config.js';
import { HF_FILES } from './hf-weights.js';
import { PT_METADATA } from './save-hf-bert.js';
import type { FolderWrite } from './write-folder.js';
import { checkedWriteFolder } from './write-folder.js';

export const saveHfGpt2 = (dir: string, task: 'lm' | 'classifier', config: ResolvedGpt2Config, labels: readonly string[], params: Values, force = false): E.Either<CheckpointProblem[], FolderWrite> => {
  const model = task === 'lm' ? gpt2LMHead(config) : gpt2Classifier(config);
  const at = (n: string, message: string) => inFile('(parameters)')(problemAt([n], message));
  const problems = [
    ...model.params.flatMap((p) => {
      const size = p.shape.reduce((a, b) => a * b, 1);
      return !params[p.name] ? [at(p.name, `missing: the model's parameter [${p.shape.join(', ')}] has no values`)] : params[p.name].length === size ? [] : [at(p.name, `${params[p.name].length} values, but the model's parameter is [${p.shape.join(', ')}] (${size})`)];
    }),
    ...(labels.length === config.numLabels ? [] : [inFile('(arguments)')(problemAt(['labels'], `${labels.length} names for ${config.numLabels} labels`))]),
  ];
  if (problems.length) return E.left(problems);
  const tensors: Record<string, RawTensor> = Object.fromEntries(model.params.map((p) => [p.name, f32Tensor(params[p.name], p.shape)]));
  const architecture = task === 'lm' ? 'GPT2LMHeadModel' : 'GPT2ForSequenceClassification';
  return checkedWriteFolder(dir, {
    [HF_FILES.config]: new TextEncoder().encode(`${JSON.stringify(hfGpt2ConfigJson(config, labels, architecture), null, 2)}\n`),
    [HF_FILES.weights]: encodeSafetensors(tensors, PT_METADATA),
  }, force);
};

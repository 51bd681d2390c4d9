// A Hugging Face BERT folder as a graft checkpoint: its parameters (F32, graft's names) at step 0, with the config
// graft read recorded in `graft.config`, so `graft export` can write the model back without being told its config.
import * as E from 'fp-ts/lib/Either.js';
import { bertClassifier, paramShapes } from '../../nn/index.js';
import type { CheckpointProblem, SavedCheckpoint } from '../checkpoint/index.js';
import { saveCheckpoint } from '../checkpoint/index.js';
import { hfBertConfigJson } from './bert-hf-config.js';
import type { LoadHfBertOptions, LoadedHfBert } from './load-hf-bert.js';
import { loadHfBert } from './load-hf-bert.js';

export interface ImportedHfBert extends SavedCheckpoint {
  readonly model: LoadedHfBert;
}

export const importHfBert = (dir: string, file: string, options: LoadHfBertOptions = {}): E.Either<CheckpointProblem[], ImportedHfBert> =>
  E.chain((model: LoadedHfBert) => {
    const meta = { step: 0, epoch: 0, phaseDepth: 0, phaseProgress: null, generator: { seed: options.seed ?? 0, step: 0 }, config: JSON.stringify(hfBertConfigJson(model.config, model.labels)) };
    const shapes = { params: paramShapes(bertClassifier(model.config)), optState: {} };
    return E.map((saved: SavedCheckpoint) => ({ ...saved, model }))(saveCheckpoint(file, { params: model.params, optState: {}, meta, shapes }));
  })(loadHfBert(dir, options));

// The trainer's checkpoint after each epoch, and resuming from one: every parameter of the model (so the
// file is a usable model on its own), the optimizer state, and where training and the generator stand.
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../dsl/index.js';
import type { CheckpointProblem, LoadedCheckpoint, SavedCheckpoint } from './checkpoint/index.js';
import { generatorVersionProblems, loadCheckpoint, saveCheckpoint } from './checkpoint/index.js';
import { inFile } from './checkpoint/problem.js';
import type { OptimizerState, Values } from './optimizer-runner.js';
import type { EarlyStoppingState } from '../optim/phases/index.js';
import { decodeProblems } from './checkpoint/decode-errors.js';

/** Where `fit` writes its checkpoint: one file, replaced atomically after every epoch. */
export interface FitCheckpointing {
  readonly file: string;
  /** The run's configuration (or a hash of it): a resume under another configuration is refused. */
  readonly config: string;
}

/** Where training stands besides the optimizer: early stopping's counter, and the reason it stopped. */
export interface FitProgress {
  readonly earlyStopping: EarlyStoppingState;
  readonly stopped?: string;
}

/** A run picked up after `epoch` completed epochs, in the optimizer state it had then. */
export interface FitResume {
  readonly epoch: number;
  readonly state: OptimizerState;
  readonly progress: FitProgress;
}

const ProgressCodec = t.intersection([
  t.type({ earlyStopping: t.intersection([t.type({ wait: t.number }), t.partial({ best: t.number })]) }),
  t.partial({ stopped: t.string }),
]);

export interface EpochCheckpoint {
  readonly state: OptimizerState;
  /** All of the model's parameters: the trained ones (also in `state`) and the frozen ones. */
  readonly params: Values;
  readonly shapes: Readonly<Record<string, Shape>>;
  readonly optShapes: Readonly<Record<string, Shape>>;
  /** Completed epochs. */
  readonly epoch: number;
  readonly seed: number;
  readonly progress: FitProgress;
}

/** Every optimizer-state leaf the optimizer expects but the checkpoint lacks or holds at another size, and every extra one. */
export const stateMismatches = (expected: Readonly<Record<string, Shape>>, state: Values): string[] => [
  ...Object.entries(expected).flatMap(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return state[name] === undefined ? [`'${name}': missing`] : state[name].length !== n ? [`'${name}': ${state[name].length} elements, expected ${n} ([${shape.join(', ')}])`] : [];
  }),
  ...Object.keys(state).filter((name) => !(name in expected)).map((name) => `'${name}': not a state of this optimizer`),
];

export const saveEpochCheckpoint = (to: FitCheckpointing, c: EpochCheckpoint): E.Either<CheckpointProblem[], SavedCheckpoint> =>
  saveCheckpoint(to.file, {
    params: { ...c.params, ...c.state.params },
    optState: c.state.state,
    meta: { step: c.state.step, epoch: c.epoch, phaseDepth: 0, phaseProgress: c.progress, generator: { seed: c.seed, step: c.state.step }, config: to.config },
    shapes: { params: c.shapes, optState: c.optShapes },
  });

/** A resume under another configuration, or another random generator version, than the one that wrote the file is refused. */
export const configProblems = (file: string, c: LoadedCheckpoint, config: string): CheckpointProblem[] =>
  [...generatorVersionProblems(c.meta).map(inFile(file)), ...(c.meta.config === config ? [] : [{ file, path: '__metadata__["graft.config"]', message: `written by a run configured as ${JSON.stringify(c.meta.config)}, this run is ${JSON.stringify(config)}: resume with the configuration that wrote it` }])];

/** The trainer's progress kept in `graft.phaseProgress`, decoded, or every problem with its path. */
export const decodeProgress = <A>(file: string, c: LoadedCheckpoint, codec: t.Decoder<unknown, A>): E.Either<CheckpointProblem[], A> =>
  E.mapLeft((errors: t.Errors) => decodeProblems(['__metadata__', 'graft.phaseProgress'], errors).map((p) => ({ file, ...p })))(codec.decode(c.meta.phaseProgress));

/** The optimizer state of a checkpoint, with the parameters a run trains. */
export const stateOf = (c: LoadedCheckpoint, trainable: readonly string[]): OptimizerState => ({
  params: Object.fromEntries(trainable.map((n) => [n, c.params[n]])),
  state: c.optState,
  step: c.meta.step,
});

/**
 * Every parameter of the model and the point to resume from, or every problem with the file: its
 * bytes, its tensors against the model's shapes, and a configuration other than `config`.
 */
export const loadResumePoint = (file: string, shapes: Readonly<Record<string, Shape>>, trainable: readonly string[], config: string): E.Either<CheckpointProblem[], { params: Values; resume: FitResume }> => {
  const loaded = loadCheckpoint(file, { params: shapes });
  if (E.isLeft(loaded)) return loaded;
  const c = loaded.right;
  const mismatch = configProblems(file, c, config);
  if (mismatch.length) return E.left(mismatch);
  return E.map((progress: FitProgress) => ({ params: c.params, resume: { epoch: c.meta.epoch, state: stateOf(c, trainable), progress } }))(decodeProgress(file, c, ProgressCodec));
};

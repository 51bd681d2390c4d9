// graft's training step for the train suite: createOptimizerRunner over classifierObjective (the MLP's forward,
// softmax cross-entropy, backward and o.adamw in one compiled plan; or nn.bertClassifier over token ids), as
// src/train/fit.ts trains. On wasm the parameters and optimizer state stay resident between calls (runner.resident,
// as fit does): a batch goes in, the
// loss comes out; elsewhere they go in and come back as values every call.
//   graft-step      one call per training step (fit's stepsPerCall 1), every core
//   graft-steps     8 steps (one per batch) in one call: one pipeline (fit's stepsPerCall 8), every core
//   graft-step-1t, graft-steps-1t   the same on one thread (wasm only)
import * as E from 'fp-ts/lib/Either.js';
import { compile } from '../src/compiler/index.js';
import { randomKey } from '../src/dsl/index.js';
import * as nn from '../src/nn/index.js';
import * as o from '../src/optim/index.js';
import { stepNames } from '../src/optim/index.js';
import type { Runtime } from '../src/runtime/index.js';
import { createRuntime } from '../src/runtime/index.js';
import { classifierObjective, tokenRows } from '../src/train/classifier-objective.js';
import { IMAGE_SIZE } from '../src/train/data/mnist.js';
import type { OptimizerState } from '../src/train/optimizer-runner.js';
import { createOptimizerRunner } from '../src/train/optimizer-runner.js';
import type { HeldState } from '../src/train/resident-steps.js';
import type { TrainFactory, TrainImpl } from './train-peers/types.js';

const orThrow = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

/** Dropout is off in these models, so the objective's key is unused; it is fed per step as fit does. */
const SEED = 1;

/** Steps per call of graft-steps. */
const PER_CALL = 8;

const graftTrain = (name: string, perCall: number, threads?: number): TrainFactory => async (spec, env) => {
  if (!spec.bert && spec.sizes[0] !== IMAGE_SIZE) throw new Error(`graft-step: the model must take ${IMAGE_SIZE} inputs`);
  const rt: Runtime = await createRuntime({ backend: env.backend, ...(threads ? { threads } : {}) });
  if (threads && rt.report.backend !== 'wasm') {
    rt.destroy();
    return { skip: name, reason: `a thread count applies to the wasm backend only (this run: ${rt.report.backend})` };
  }
  // BERT: token ids [batch, seq] in, as fit feeds nn.bertClassifier
  const model = spec.bert ? nn.bertClassifier(spec.bert) : nn.mlpClassifier(spec.sizes);
  const objective = spec.bert ? classifierObjective(model, spec.batch, [spec.sizes[0]], {}, tokenRows) : classifierObjective(model, spec.batch, [IMAGE_SIZE]);
  const shapes = nn.paramShapes(model);
  const transform = o.adamw(spec.lr, { b1: spec.b1, b2: spec.b2, eps: spec.eps, weightDecay: spec.wd });
  const runner = orThrow(createOptimizerRunner(rt, transform, shapes, objective));
  let data: Array<{ x: Float32Array; y: Float32Array }> = [];
  let cursor = 0;
  let s: OptimizerState | undefined;
  // on wasm: the state as resident handles (s is then only the host copy reset made)
  let held: HeldState | undefined;
  const resident = runner.resident;
  let probed: { backend: string; executor: string } | undefined;

  const feedsOf = (b: { x: Float32Array; y: Float32Array }, step: number) => ({ x: b.x, y: b.y, key: Float32Array.of(randomKey(SEED, step % 2 ** 24)) });

  /**
   * What the runner's step really runs on: the runner keeps its executable to itself, so the same plan is loaded
   * once more and run once on the current state (a probe, untimed), and its executable reports.
   */
  const probe = async () => {
    const exe = rt.load(compile(runner.programs.step));
    if (resident && held) s = resident.read(held);
    try {
      const inputs = feedsOf(data[0], s!.step + 1);
      const out = await exe.run({
        ...Object.fromEntries(Object.entries(s!.params).map(([k, v]) => [stepNames.param(k), v])),
        ...Object.fromEntries(Object.entries(s!.state).map(([k, v]) => [stepNames.state(k), v])),
        ...Object.fromEntries(Object.entries(runner.programs.fixed).map(([k, f]) => [k, f.values])),
        ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [stepNames.input(k), v])),
      });
      const info = exe.info();
      if (E.isLeft(out) || !info) return { backend: rt.report.backend, executor: `? (probe: ${E.isLeft(out) ? out.left.message : 'no info'})` };
      const fallback = info.fallbackReason ? ` (fallback: ${info.fallbackReason})` : '';
      const where = resident ? `, resident, ${info.threads ?? 1} thread(s)` : '';
      return { backend: info.backend, executor: `${info.executor}, ${info.kernels} kernels${where}${fallback}` };
    } finally {
      exe.destroy();
    }
  };

  const impl: TrainImpl = {
    impl: name,
    note: `createOptimizerRunner(o.adamw) over classifierObjective, ${perCall === 1 ? 'one step per call' : `${perCall} steps per call`}`,
    load: async (batches) => {
      data = batches.map((b) => ({ x: b.x.slice(), y: Float32Array.from(b.y) }));
      cursor = 0;
    },
    reset: async (params) => {
      s = orThrow(await runner.init(Object.fromEntries(Object.keys(shapes).map((k) => [k, params[k].slice()]))));
      held = resident?.hold(s);
      cursor = 0;
    },
    run: async (steps, losses = false) => {
      const out: number[] = [];
      for (let done = 0; done < steps; ) {
        const k = Math.min(perCall, steps - done);
        const inputs = Array.from({ length: k }, (_, i) => {
          const b = data[cursor];
          cursor = (cursor + 1) % data.length;
          return feedsOf(b, (held?.step ?? s!.step) + 1 + i);
        });
        if (resident && held) {
          const r = orThrow(await resident.steps(held, inputs));
          held = r.held;
          if (losses) out.push(...r.stepMetrics.loss);
        } else {
          s = orThrow(await (k === 1 ? runner.step(s!, inputs[0]) : runner.steps(s!, inputs, k)));
          if (losses) out.push(...s.stepMetrics!.loss);
        }
        done += k;
      }
      return out;
    },
    ran: async () => (probed ??= await probe()),
    close: async () => {
      runner.destroy();
      rt.destroy();
    },
  };
  return impl;
};

export const graftStep = graftTrain('graft-step', 1);
export const graftSteps = graftTrain('graft-steps', PER_CALL);
export const graftStep1t = graftTrain('graft-step-1t', 1, 1);
export const graftSteps1t = graftTrain('graft-steps-1t', PER_CALL, 1);

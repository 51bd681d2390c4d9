// graft's optimizer steps for the optim suite: one call per step, and STEPS steps fused in one pipeline call.
import * as E from 'fp-ts/lib/Either.js';
import * as o from '../src/optim/index.js';
import type { Runtime } from '../src/runtime/index.js';
import { createRuntime } from '../src/runtime/index.js';
import type { OptimizerRunner, OptimizerState } from '../src/train/optimizer-runner.js';
import { createOptimizerRunner } from '../src/train/optimizer-runner.js';
import type { ImplFactory, OptimImpl, OptimState, StepSpec } from './optim-peers/types.js';

export const orThrow = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

/** The suite's step as a graft transform: AdamW, or Child-Tuning AdamW F keeping reserveP. */
export const transformFor = (spec: StepSpec, reserveP: number) =>
  spec.kind === 'adamw'
    ? o.adamw(spec.lr, { b1: spec.b1, b2: spec.b2, eps: spec.eps, weightDecay: spec.wd })
    : o.childTuningAdamW(spec.lr, { b1: spec.b1, b2: spec.b2, eps: spec.eps, weightDecay: spec.wd, mode: 'F', reserveP, seed: 1 });

/** The suite's start state as graft's: moments by path suffix, every step counter at 0. */
const loadState = (runner: OptimizerRunner, s0: OptimState): OptimizerState => ({
  params: { w: s0.p.slice() },
  state: Object.fromEntries(runner.programs.state.map((path) => [path, path.endsWith('mu/w') ? s0.m.slice() : path.endsWith('nu/w') ? s0.v.slice() : Float32Array.of(0)])),
  step: 0,
});

const graft = (impl: string, fused: boolean): ImplFactory => async (spec, n, env) => {
  const perCall = fused ? spec.stepsPerSample : 1;
  const rt: Runtime = await createRuntime({ backend: env.backend });
  const runners = new Map<number, OptimizerRunner>();
  const runnerFor = (reserveP: number) => {
    if (!runners.has(reserveP)) runners.set(reserveP, orThrow(createOptimizerRunner(rt, transformFor(spec, reserveP), { w: [n] })));
    return runners.get(reserveP)!;
  };
  let runner = runnerFor(spec.reserveP);
  let g = new Float32Array(0);
  let s: OptimizerState | undefined;
  let info = () => ({ backend: rt.report.backend, executor: '?' });
  const it: OptimImpl = {
    impl,
    steps: perCall,
    reset: async (s0, reserveP) => {
      runner = runnerFor(reserveP);
      g = s0.g.slice();
      s = loadState(runner, s0);
    },
    sample: async () => {
      for (let i = 0; i < spec.stepsPerSample / perCall; i++) s = orThrow(perCall === 1 ? await runner.step(s!, { w: g }) : await runner.steps(s!, { w: g }, perCall));
    },
    state: async () => {
      const leaf = (suffix: string) => Object.entries(s!.state).find(([k]) => k.endsWith(suffix))![1];
      return { p: s!.params.w, m: leaf('mu/w'), v: leaf('nu/w') };
    },
    ran: () => info(),
    close: async () => {
      runners.forEach((r) => r.destroy());
      rt.destroy();
    },
  };
  info = () => ({ backend: rt.report.backend, executor: perCall === 1 ? 'pipeline, 1 step' : `pipeline, ${perCall} steps` });
  return it;
};

export const GRAFT_IMPLS: readonly ImplFactory[] = [graft('graft-call', false), graft('graft-multistep', true)];

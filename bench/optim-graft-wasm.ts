// graft's own wasm kernels in the optim suite: state resident in the runtime's memory, each call
// donating p, m, v and the counters; on one thread and on all, one step per call and STEPS per call.
import * as o from '../src/optim/index.js';
import { randomKey } from '../src/dsl/index.js';
import { compile } from '../src/compiler/index.js';
import type { Plan } from '../src/compiler/plan.js';
import type { ResidentTensor, WasmExecutable } from '../src/runtime/index.js';
import { createWasmRuntime } from '../src/runtime/index.js';
import type { ImplFactory, OptimImpl } from './optim-peers/types.js';
import { orThrow, transformFor } from './optim-graft.js';

const graftWasm = (impl: string, allThreads: boolean, fused: boolean): ImplFactory => async (spec, n) => {
  const perCall = fused ? spec.stepsPerSample : 1;
  const rt = createWasmRuntime({ requested: 'wasm', backend: 'wasm' }, allThreads ? {} : { threads: 1 });
  const built = new Map<number, { plan: Plan; ex: WasmExecutable; state: readonly string[]; keySeeds: readonly number[] }>();
  const programFor = (reserveP: number) => {
    if (!built.has(reserveP)) {
      const steps = orThrow(o.buildStep(transformFor(spec, reserveP), { w: [n] }));
      const plan = compile(steps.step);
      const carried = ['p:w', ...steps.state.map((s) => `s:${s}`)].filter((name) => name in plan.inputs);
      const keys = steps.keySeeds.map((s) => `key:${s}`).filter((name) => name in plan.inputs);
      const ex = fused ? rt.loop(plan, { steps: perCall, carry: Object.fromEntries(carried.map((c) => [c, c])), perStep: keys }, impl) : rt.load(plan, impl);
      built.set(reserveP, { plan, ex, state: steps.state, keySeeds: steps.keySeeds });
    }
    return built.get(reserveP)!;
  };
  let current = programFor(spec.reserveP);
  let tensors: Record<string, ResidentTensor> = {};
  let step = 0;
  const release = () => Object.values(tensors).forEach((t) => rt.dispose(t));
  const it: OptimImpl = {
    impl,
    steps: perCall,
    reset: async (s0, reserveP) => {
      release();
      current = programFor(reserveP);
      step = 0;
      tensors = { 'p:w': rt.upload(s0.p), 'g:w': rt.upload(s0.g) };
      for (const path of current.state) tensors[`s:${path}`] = rt.upload(path.endsWith('mu/w') ? s0.m : path.endsWith('nu/w') ? s0.v : [0], path.endsWith('/w') ? [n] : []);
    },
    sample: async () => {
      const donate = Object.keys(tensors).filter((k) => k !== 'g:w' && k in current.plan.inputs);
      for (let i = 0; i < spec.stepsPerSample / perCall; i++) {
        const keys = Object.fromEntries(current.keySeeds.map((seed) => {
          const draws = Array.from({ length: perCall }, (_, j) => randomKey(seed, step + j + 1));
          return [`key:${seed}`, fused ? draws : draws[0]];
        }));
        const out = orThrow(await current.ex.call({ ...tensors, ...keys }, { donate }));
        for (const k of donate) tensors[k] = out[k];
        step += perCall;
      }
    },
    state: async () => {
      const read = (suffix: string) => orThrow(rt.read(Object.entries(tensors).find(([k]) => k.endsWith(suffix))![1]));
      return { p: read('p:w'), m: read('mu/w'), v: read('nu/w') };
    },
    ran: () => ({ backend: 'wasm', executor: `${current.ex.info()?.threads ?? '?'} thread(s), ${perCall === 1 ? '1 step' : `${perCall} steps`}/call` }),
    close: async () => {
      release();
      rt.destroy();
    },
  };
  return it;
};

export const GRAFT_WASM_IMPLS: readonly ImplFactory[] = [
  graftWasm('graft-wasm-1t', false, false),
  graftWasm('graft-wasm-1t-multistep', false, true),
  graftWasm('graft-wasm', true, false),
  graftWasm('graft-wasm-multistep', true, true),
];

// Runs a plain-JS step in a fresh worker isolate without tsx. Under tsx, loading any package detaches an ArrayBuffer,
// which switches off V8's typed-array fast path for the whole isolate and makes the same loop ~2x slower in-process.
import { Worker } from 'node:worker_threads';

/** One step in place over `p`; self-contained (no closure variables): it travels to the worker as source text. */
export type JsStep<F> = (p: Float32Array, fixed: F) => void;

const SOURCE = `
const { parentPort } = require('node:worker_threads');
let step, fixed, cur;
parentPort.on('message', (m) => {
  if (m.op === 'init') { step = new Function('return (' + m.src + ')')(); fixed = m.fixed; }
  if (m.op === 'reset') cur = m.p0;
  if (m.op === 'run') for (let i = 0; i < m.steps; i++) step(cur, fixed);
  parentPort.postMessage(m.op === 'state' ? cur : null);
});`;

export interface JsLoop {
  reset(p0: Float32Array): Promise<void>;
  run(steps: number): Promise<void>;
  state(): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Messages are copied (structured clone, no transfer list), so nothing is detached in the worker either. */
export const startJsLoop = async <F>(step: JsStep<F>, fixed: F): Promise<JsLoop> => {
  const worker = new Worker(SOURCE, { eval: true, execArgv: [] });
  const ask = (msg: object) => new Promise<unknown>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (r) => (worker.off('error', reject), resolve(r)));
    worker.postMessage(msg);
  });
  await ask({ op: 'init', src: step.toString(), fixed });
  return {
    reset: async (p0) => void (await ask({ op: 'reset', p0 })),
    run: async (steps) => void (await ask({ op: 'run', steps })),
    state: async () => (await ask({ op: 'state' })) as Float32Array,
    close: async () => void (await worker.terminate()),
  };
};

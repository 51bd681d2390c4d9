// The worker's program, as plain JavaScript run with `eval` (so it needs no loader or file path).
// It waits on its control slot (a bounded spin, then Atomics.wait), runs kernel ranges on the
// shared memory (unless the caller withdrew the job before it started: CLAIM), and answers in the same slot. Layout: see pool.ts.
import { CLAIM } from './control-block.js';

export const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { memory, control, slot, spin, port } = workerData;
const ctl = new Int32Array(control);
const SEQ = slot, CMD = slot + 1, KERNEL = slot + 2, BEGIN = slot + 3, END = slot + 4, NARGS = slot + 5, ARGS = slot + 6, FAILED = slot + 62, DONE = slot + 63, CLAIM = slot + ${CLAIM};
const math = { pow: Math.pow };
const kernels = [];
let seen = 0;
for (;;) {
  let spins = 0;
  while (Atomics.load(ctl, SEQ) === seen) {
    if (++spins > spin) { Atomics.wait(ctl, SEQ, seen); spins = 0; }
  }
  seen = Atomics.load(ctl, SEQ);
  const cmd = ctl[CMD];
  if (cmd === 3) break;
  try {
    if (cmd === 2) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        for (const k of m.message) {
          if (k.module) kernels[k.id] = new WebAssembly.Instance(k.module, { env: { memory }, math }).exports.run;
          else delete kernels[k.id];
        }
      }
    } else if (cmd === 1 && Atomics.compareExchange(ctl, CLAIM, seen, -seen) === seen) {
      const n = ctl[NARGS];
      const args = new Array(n + 2);
      for (let i = 0; i < n; i++) args[i] = ctl[ARGS + i];
      args[n] = ctl[BEGIN];
      args[n + 1] = ctl[END];
      kernels[ctl[KERNEL]].apply(null, args);
    }
    ctl[FAILED] = 0;
  } catch (e) {
    ctl[FAILED] = 1;
  }
  Atomics.store(ctl, DONE, seen);
  Atomics.notify(ctl, DONE);
}
`;

// The dispatcher's schedule, seen through a recording pool: a tiled matmul's phases (packing, then tiles) run one after
// another, each given whole to every thread with the unit counter zeroed first; other kernels take static ranges.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KernelPool } from '../../../src/runtime/wasm/dispatch.js';
import { dispatcher, PARALLEL_WORK } from '../../../src/runtime/wasm/dispatch.js';
import { WasmHeap } from '../../../src/runtime/wasm/heap.js';
import type { KernelInstance, KernelMeta } from '../../../src/runtime/wasm/instance.js';

/** The i32 at the last argument (a claiming kernel's scratch block: its unit counter), or -1 for a kernel without one. */
const counterOf = (heap: WasmHeap, addrs: readonly number[]) => (addrs.length > 2 ? new Int32Array(heap.memory.buffer, addrs[2], 1)[0] : -1);

/** A pool of `size` workers that records what it is asked, and the unit counter each start saw. */
const recordingPool = (size: number, log: string[], heap: WasmHeap): KernelPool => ({
  size,
  register: (modules) => modules.map((_, i) => i),
  unregister: () => undefined,
  start: (w, _id, addrs, begin, end) => void log.push(`worker ${w} [${begin}, ${end}) args ${addrs.length} counter ${counterOf(heap, addrs)}`),
  join: (ws) => void log.push(`join ${ws.join(',')}`),
  destroy: () => undefined,
});

const kernel = (meta: Partial<KernelMeta>, log: string[], heap: WasmHeap): KernelInstance => ({
  kernel: { name: 'k', params: [0, 1], size: 40, granule: 1, schedule: 'tiled 4x8 packed', imports: [], work: PARALLEL_WORK, stores: [1], ...meta },
  module: {} as WebAssembly.Module,
  // a claiming kernel moves the counter; the next range must find it zeroed again
  run: (addrs, begin, end) => {
    log.push(`caller [${begin}, ${end}) args ${addrs.length} counter ${counterOf(heap, addrs)}`);
    if (addrs.length > 2) new Int32Array(heap.memory.buffer, addrs[2], 1)[0] = 99;
  },
});

describe('wasm dispatcher', () => {
  it('runs a packed matmul phase by phase, every thread given the whole phase, the counter zeroed before each', () => {
    const heap = new WasmHeap(64, 1);
    const log: string[] = [];
    const k = kernel({ scratch: 64 + 4096, phases: [8] }, log, heap);
    const inUse = heap.inUse;
    const d = dispatcher([k], recordingPool(1, log, heap), heap);
    assert.ok(heap.inUse - inUse >= 64 + 4096, 'the scratch block is allocated up front');
    assert.equal(d.run(0, [100, 200]), undefined);
    assert.deepEqual(log, [
      'worker 0 [0, 8) args 3 counter 0',
      'caller [0, 8) args 3 counter 0',
      'join 0',
      'worker 0 [8, 40) args 3 counter 0',
      'caller [8, 40) args 3 counter 0',
      'join 0',
    ]);
    d.release();
    assert.equal(heap.inUse, inUse, 'release frees the scratch block');
  });

  it('splits other kernels into static ranges, caller last, with no scratch argument', () => {
    const heap = new WasmHeap(64, 1);
    const log: string[] = [];
    const k = kernel({ size: 40, granule: 4, schedule: 'elements' }, log, heap);
    const d = dispatcher([k], recordingPool(1, log, heap), heap);
    d.run(0, [100, 200]);
    assert.deepEqual(log, ['worker 0 [0, 20) args 2 counter -1', 'caller [20, 40) args 2 counter -1', 'join 0']);
    d.release();
  });
});

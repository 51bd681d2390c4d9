// The dispatcher's schedule, seen through a recording pool: a tiled matmul's phases (packing, then tiles) run one after
// another, each given whole to every thread with the unit counter zeroed first; other kernels take static ranges.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KernelPool } from '../../../src/runtime/wasm/dispatch.js';
import { dispatcher, PARALLEL_WORK } from '../../../src/runtime/wasm/dispatch.js';
import { WasmHeap } from '../../../src/runtime/wasm/heap.js';
import type { KernelInstance, KernelMeta } from '../../../src/runtime/wasm/instance.js';
import { instantiateModule } from '../../../src/runtime/wasm/instance.js';
import { WorkerPool } from '../../../src/runtime/wasm/pool.js';
import { moduleBytes } from '../../../src/compiler/wasm/stored-module.js';
import { compile } from '../../../src/compiler/index.js';
import * as g from '../../../src/dsl/index.js';
import * as E from 'fp-ts/lib/Either.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

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

describe('wasm dispatcher: two calls in flight on one packed matmul', () => {
  it('each gets the bits it gets alone, with workers awaited asynchronously between the packing and the tiles', async () => {
    const [M, K, N] = [128, 96, 136];
    const prog = right(g.program({ x: [M, K], w: [N, K] }, ({ x, w }) => ({ y: g.matmul(x, g.transpose(w)) })));
    const plan = compile(prog);
    const mods = plan.wasm!.modules;
    const i = mods.findIndex((m) => (m.scratch ?? 0) > 0 && (m.phases ?? []).length > 0);
    assert.ok(i >= 0, `a packed matmul with phases: ${mods.map((m) => m.schedule).join(', ')}`);
    const heap = new WasmHeap(512, 16);
    // no blocking wait: every join is asynchronous, as on a busy machine
    const pool = new WorkerPool(heap.memory, 1, 0);
    const d = dispatcher(mods.map((m) => instantiateModule(m, new WebAssembly.Module(moduleBytes(m)), heap.memory)), pool, heap);
    try {
      const k = mods[i];
      const size = (b: number) => plan.buffers[b].shape.reduce((a, c) => a * c, 1);
      const out = k.params.findIndex((b) => k.stores.includes(b));
      const setup = (seed: number) => {
        const addrs = k.params.map((b) => heap.alloc(4 * size(b), 'a test buffer'));
        k.params.forEach((b, j) => void (j !== out && heap.f32(addrs[j], size(b)).set(Float32Array.from({ length: size(b) }, (_, e) => Math.sin(seed * 1000 + e)))));
        return addrs;
      };
      const result = (addrs: readonly number[]) => heap.f32(addrs[out], M * N).slice();
      const [a, b] = [setup(1), setup(2)];
      await d.run(i, a);
      const aloneA = result(a);
      await d.run(i, b);
      const aloneB = result(b);
      heap.f32(a[out], M * N).fill(0);
      heap.f32(b[out], M * N).fill(0);
      await Promise.all([d.run(i, a), d.run(i, b)]);
      assert.deepEqual(Array.from(result(a)), Array.from(aloneA), 'the first call');
      assert.deepEqual(Array.from(result(b)), Array.from(aloneB), 'the second call');
    } finally {
      d.release();
      pool.destroy();
    }
  });
});

// A worker thread that dies (crashed, killed) is a clear error naming the thread and the kernel,
// on the call it dies in and on every later one, never a hang.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import { compile } from '../../../src/compiler/index.js';
import { WasmHeap } from '../../../src/runtime/wasm/heap.js';
import { TensorStore } from '../../../src/runtime/wasm/tensors.js';
import { WorkerError, WorkerPool } from '../../../src/runtime/wasm/pool.js';
import { ModuleCache } from '../../../src/runtime/wasm/module-cache.js';
import { prepareWasm } from '../../../src/runtime/wasm/executable.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const REPORT = { requested: 'wasm', backend: 'wasm' } as const;
const N = 1 << 18; // enough work to be shared with the worker

/** One worker besides the caller, and a big elementwise plan plus a small one on it. */
const setup = () => {
  const heap = new WasmHeap(1024, 16);
  const pool = new WorkerPool(heap.memory, 1);
  const features = { relaxedSimd: false, fma: false, pool, modules: new ModuleCache() };
  const store = new TensorStore(heap);
  const big = compile(right(g.program({ x: [N] }, ({ x }) => ({ y: g.add(g.mul(g.mul(x, x), 3), 1) }))));
  const small = compile(right(g.program({ x: [8] }, ({ x }) => ({ y: g.mul(x, 2) }))));
  const ex = prepareWasm(heap, store, REPORT, features, big, undefined, 'big step');
  const little = prepareWasm(heap, store, REPORT, features, small, undefined, 'small step');
  return { heap, pool, store, ex, little, kernel: big.kernelIR![0].name };
};

describe('wasm worker threads that die', { timeout: 60_000 }, () => {
  it('a worker killed between calls: the next call is an error naming the thread and the kernel', async () => {
    const { pool, store, ex, little, kernel } = setup();
    const x = store.upload(Float32Array.from({ length: N }, (_, i) => i % 5));
    const ok = right(await ex.call({ x }));
    assert.equal(right(store.read(ok.y))[4], 4 * 4 * 3 + 1, 'runs while the worker lives');
    await pool.terminate(0);
    await assert.rejects(ex.call({ x }), (e: unknown) => e instanceof WorkerError && /worker thread 1 of 1 has stopped \(it exited with code \d+\)/.test(e.message) && e.message.includes(`running kernel ${kernel}`));
    // kernels small enough for the calling thread still run; destroying does not wait for the dead worker
    assert.deepEqual(Array.from(right(store.read(right(await little.call({ x: store.upload([1, 2, 3, 4, 5, 6, 7, 8]) })).y))), [2, 4, 6, 8, 10, 12, 14, 16]);
    ex.destroy();
    pool.destroy();
  });

  it('a worker killed as a call starts: that call rejects naming the thread and the kernel', async () => {
    const { pool, store, ex, kernel, heap } = setup();
    const x = store.upload(new Float32Array(N).fill(1));
    const inUse = heap.inUse;
    const dying = pool.terminate(0);
    await assert.rejects(ex.call({ x }), (e: unknown) => e instanceof WorkerError && /worker thread 1 of 1 (has )?stopped \(it exited with code \d+\)/.test(e.message) && e.message.includes(`running kernel ${kernel}`));
    await dying;
    assert.equal(heap.inUse, inUse, 'the failed call freed what it allocated');
    pool.destroy();
  });
});

describe('wasm worker threads that are slow', { timeout: 120_000 }, () => {
  it('a caller waiting asynchronously for a worker keeps the process alive until the answer', async () => {
    const { execFile } = await import('node:child_process');
    const child = new URL('./fixtures/slow-worker-child.ts', import.meta.url).pathname;
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = execFile(process.execPath, ['--import', 'tsx', child], (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr }));
      p.stdin?.end();
    });
    assert.equal(out.code, 0, `exit code ${out.code}: ${out.stdout}${out.stderr}`);
    // exp(-exp(-...)) twelve times from 0 is a fixed value in (0, 1)
    assert.match(out.stdout, /^joined asynchronously after \d+ ms; y\[0\] = 0\.\d+/);
  });
});

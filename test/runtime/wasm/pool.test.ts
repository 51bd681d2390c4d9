// The worker pool's job protocol: a job of a kernel whose units are claimed from a counter may be withdrawn before its
// worker starts it (the caller has claimed every unit), and the worker then never runs it, even when it wakes later.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Code, encodeModule } from '../../../src/compiler/wasm/encoder.js';
import { WorkerPool } from '../../../src/runtime/wasm/pool.js';

/** A kernel `run(addr, begin, end)` with this body, over a shared memory of 1 page. */
const kernel = (body: (c: Code) => void): WebAssembly.Module => {
  const c = new Code(['i32', 'i32', 'i32']);
  body(c);
  return new WebAssembly.Module(encodeModule({ memory: { module: 'env', name: 'memory', min: 1, max: 1, shared: true }, imports: [], functions: [{ type: { params: ['i32', 'i32', 'i32'], results: [] }, code: c, export: 'run' }] }));
};

/** Writes 1 at addr + 4 (started), spins until the i32 at addr is not 0 (an atomic read: add 0), writes 1 at addr + 8. */
const waitForFlag = kernel((c) => {
  c.get(0).i32(1).mem('i32.store', 2, 4);
  c.open('loop').get(0).i32(0).atomicAdd().op('i32.eqz').op('br_if', 0).op('end');
  c.get(0).i32(1).mem('i32.store', 2, 8);
});
/** Writes `begin` at addr. */
const mark = kernel((c) => c.get(0).get(1).mem('i32.store', 2));

describe('wasm worker pool', () => {
  it('a job withdrawn before its worker takes it is skipped (never run, even when the worker gets to it); a started one is waited for', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const words = new Int32Array(memory.buffer);
    const [FLAG, STARTED, FINISHED, MARK, MARK2] = [0, 1, 2, 16, 32];
    const pool = new WorkerPool(memory, 1);
    try {
      const [wait, marker] = pool.register([waitForFlag, mark]);
      // the worker is busy in a first job until the flag is set, so it cannot take the second before it is withdrawn
      pool.start(0, wait, [4 * FLAG], 0, 1, 'waiting for the flag');
      // a new worker may not have taken its first job yet: the second is started only once it is inside the first
      while (Atomics.load(words, STARTED) === 0) void 0;
      pool.start(0, marker, [4 * MARK], 7, 8, 'marking');
      assert.equal(pool.join([0], 'marking', true), undefined, 'withdrawn: nothing to wait for');
      Atomics.store(words, FLAG, 1);
      // the worker finishes the first job and answers the second without running it
      assert.equal(pool.join([0], 'marking'), undefined);
      assert.equal(words[MARK], 0, 'the withdrawn job did not run');
      // a job started now runs
      pool.start(0, marker, [4 * MARK2], 9, 10, 'marking again');
      assert.equal(pool.join([0], 'marking again'), undefined);
      assert.deepEqual([words[MARK], words[MARK2]], [0, 9], 'only the job not withdrawn wrote its mark');
      // a job the worker has started is waited for to its end, not withdrawn
      words.fill(0, 0, 3);
      pool.start(0, wait, [4 * FLAG], 0, 1, 'waiting for the flag');
      while (Atomics.load(words, STARTED) === 0) void 0;
      Atomics.store(words, FLAG, 1);
      assert.equal(pool.join([0], 'waiting for the flag', true), undefined);
      assert.equal(Atomics.load(words, FINISHED), 1, 'join returned after the started job ended');
    } finally {
      pool.destroy();
    }
  });
});

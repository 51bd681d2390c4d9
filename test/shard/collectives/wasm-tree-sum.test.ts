import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmHeap } from '../../../src/runtime/wasm/heap.js';
import { treeSum } from '../../../src/shard/collectives/fixed-order-sum.js';
import { treeSumKernel, wasmTreeSum } from '../../../src/shard/collectives/wasm-tree-sum.js';
import { bitDifferences, gradients, oracleLeftFold, oracleTreeSum } from './oracle.js';

/** Copies `parts` into a fresh heap at odd float offsets (not 16-byte aligned), sums there, reads the result back. */
const sumInWasm = (parts: readonly Float32Array[], length = parts[0].length): Float32Array => {
  const heap = new WasmHeap(256, 1);
  const at = (a: number) => a + 4;
  const addrs = parts.map((p) => {
    const a = at(heap.alloc(4 * (p.length + 1), 'part'));
    new Float32Array(heap.memory.buffer, a, p.length).set(p);
    return a;
  });
  const out = at(heap.alloc(4 * (length + 1), 'out'));
  wasmTreeSum(heap.memory)(out, addrs, length);
  return new Float32Array(heap.memory.buffer, out, length).slice();
};

test('the wasm tree sum equals the scalar float32 tree oracle bit for bit, for 1..9, 13 and 16 contributions', () => {
  for (const M of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16])
    for (const length of [1, 3, 4, 7, 64, 1001]) {
      const grads = gradients(M * 31 + length, M, length);
      assert.deepEqual(bitDifferences(sumInWasm(grads), oracleTreeSum(grads)), [], `M=${M} length=${length}`);
    }
});

test('the data makes the order matter: for 3 and more contributions the left fold differs, so the tree order is what matches', () => {
  for (const M of [3, 4, 8]) {
    const grads = gradients(7, M, 1001);
    assert.ok(bitDifferences(sumInWasm(grads), oracleLeftFold(grads)).length > 0, `M=${M}`);
  }
});

test('the wasm tree sum writes only [0, length) of its output', () => {
  const grads = gradients(3, 4, 40);
  const heap = new WasmHeap(256, 1);
  const addrs = grads.map((g) => {
    const a = heap.alloc(4 * g.length, 'part');
    heap.f32(a, g.length).set(g);
    return a;
  });
  const out = heap.alloc(4 * 40, 'out');
  heap.f32(out, 40).fill(-7);
  wasmTreeSum(heap.memory)(out, addrs, 37);
  const got = heap.f32(out, 40);
  assert.deepEqual(bitDifferences(got.slice(0, 37), treeSum(grads.map((g) => g.subarray(0, 37)))), []);
  assert.deepEqual([...got.subarray(37)], [-7, -7, -7]);
});

test('treeSumKernel: the kernel IR is the balanced tree of adds, split at floor(n / 2), and refuses no contributions', () => {
  const k = treeSumKernel(3);
  assert.deepEqual(k.params, [0, 1, 2, 3]);
  const adds = k.nodes.filter((n) => n.op === 'binary' && n.fn === 'add');
  assert.equal(adds.length, 2);
  assert.throws(() => treeSumKernel(0), /0 contributions/);
  assert.throws(() => wasmTreeSum(new WasmHeap(16, 1).memory)(64, [], 4), /no contributions/);
});

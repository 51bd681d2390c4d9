// The binary encoder: LEB128 against hand-derived bytes (the spec's examples), and modules that
// validate and compute what they say.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Code, encodeModule, sleb, uleb } from '../../../src/compiler/wasm/encoder.js';
import { relaxedSimdProbe, simdProbe } from '../../../src/compiler/wasm/probe.js';

const bytes = (f: (out: number[], v: number) => void, v: number) => {
  const out: number[] = [];
  f(out, v);
  return out;
};

describe('LEB128', () => {
  it('unsigned: 0, 127, 128, 624485 and 2^32 - 1', () => {
    assert.deepEqual(bytes(uleb, 0), [0x00]);
    assert.deepEqual(bytes(uleb, 127), [0x7f]);
    assert.deepEqual(bytes(uleb, 128), [0x80, 0x01]);
    assert.deepEqual(bytes(uleb, 624485), [0xe5, 0x8e, 0x26]);
    assert.deepEqual(bytes(uleb, 2 ** 32 - 1), [0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert.throws(() => bytes(uleb, -1), /not a u32/);
  });
  it('signed: 0, -1, 63, 64, -64, -65, -123456, and u32 constants as their i32 bits', () => {
    assert.deepEqual(bytes(sleb, 0), [0x00]);
    assert.deepEqual(bytes(sleb, -1), [0x7f]);
    assert.deepEqual(bytes(sleb, 63), [0x3f]);
    assert.deepEqual(bytes(sleb, 64), [0xc0, 0x00]);
    assert.deepEqual(bytes(sleb, -64), [0x40]);
    assert.deepEqual(bytes(sleb, -65), [0xbf, 0x7f]);
    assert.deepEqual(bytes(sleb, -123456), [0xc0, 0xbb, 0x78]);
    assert.deepEqual(bytes(sleb, 0xffffffff), bytes(sleb, -1));
  });
});

describe('modules', () => {
  it('a function over an imported shared memory validates and runs: out[i] = a[i] * 3 + i', () => {
    const c = new Code(['i32', 'i32', 'i32']);
    const i = c.local('i32');
    c.i32(0).set(i).open('block').open('loop');
    c.get(i).get(2).op('i32.ge_s').op('br_if', 1);
    c.get(1).get(i).i32(2).op('i32.shl').op('i32.add'); // &out[i]
    c.get(0).get(i).i32(2).op('i32.shl').op('i32.add').mem('i32.load', 2).i32(3).op('i32.mul').get(i).op('i32.add');
    c.mem('i32.store', 2);
    c.get(i).i32(1).op('i32.add').set(i).op('br', 0).op('end').op('end');
    const wasm = encodeModule({
      memory: { module: 'env', name: 'memory', min: 1, max: 4, shared: true },
      imports: [],
      functions: [{ type: { params: ['i32', 'i32', 'i32'], results: [] }, code: c, export: 'run' }],
    });
    assert.ok(WebAssembly.validate(wasm));
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    const run = new WebAssembly.Instance(new WebAssembly.Module(wasm), { env: { memory } }).exports.run as (a: number, o: number, n: number) => void;
    const view = new Int32Array(memory.buffer);
    view.set([5, -7, 2 ** 30, 0], 0);
    run(0, 64, 4);
    assert.deepEqual(Array.from(view.subarray(16, 20)), [15, -20, (3 * 2 ** 30 + 2) | 0, 3]);
  });

  it('host imports are called with float64 values', () => {
    const c = new Code(['f64']);
    c.get(0).op('call', 0);
    const wasm = encodeModule({
      imports: [{ module: 'math', name: 'exp', type: { params: ['f64'], results: ['f64'] } }],
      functions: [{ type: { params: ['f64'], results: ['f64'] }, code: c, export: 'f' }],
    });
    const f = new WebAssembly.Instance(new WebAssembly.Module(wasm), { math: { exp: Math.exp } }).exports.f as (x: number) => number;
    assert.equal(f(0.5), Math.exp(0.5));
  });

  it('the SIMD probe validates on this engine; the relaxed-simd probe is well formed either way', () => {
    assert.equal(WebAssembly.validate(simdProbe()), true);
    const relaxed = WebAssembly.validate(relaxedSimdProbe());
    if (!relaxed) assert.throws(() => new WebAssembly.Module(relaxedSimdProbe()), /relaxed|invalid|opcode/i);
  });
});

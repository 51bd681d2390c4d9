// Stored wasm modules: JSON-safe bytes that decode to what the renderer emitted, keyed by FNV-1a.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import { compile } from '../../../src/compiler/index.js';
import { contentHash, moduleBytes, WASM_MAX_PAGES } from '../../../src/compiler/wasm/modules.js';
import { renderWasm } from '../../../src/compiler/wasm/render.js';

describe('stored wasm modules', () => {
  it('contentHash is 64-bit FNV-1a (published test vectors)', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    assert.equal(contentHash(text('')), 'cbf29ce484222325');
    assert.equal(contentHash(text('a')), 'af63dc4c8601ec8c');
    assert.equal(contentHash(text('foobar')), '85944171f73967e8');
  });

  it('compile stores every kernel as the bytes the renderer emits, with their hash, plain JSON', () => {
    const prog = g.program({ x: [5000], m: [37, 11] }, ({ x, m }) => ({ y: g.exp(g.mul(x, 2)), s: g.sum(x), r: g.max(m, { axes: 1 }) }));
    assert.ok(E.isRight(prog));
    const plan = compile(prog.right);
    assert.equal(plan.wasm!.modules.length, plan.kernelIR!.length);
    assert.deepEqual(JSON.parse(JSON.stringify(plan.wasm)), plan.wasm);
    plan.kernelIR!.forEach((k, i) => {
      const m = plan.wasm!.modules[i];
      const bytes = renderWasm(k, { maxPages: WASM_MAX_PAGES }).bytes;
      assert.deepEqual(moduleBytes(m), bytes, `${k.name}: bytes`);
      assert.equal(m.hash, contentHash(bytes));
      assert.ok(WebAssembly.validate(moduleBytes(m)));
    });
  });

  it('each module records its kernel\'s work (node evaluations, what the dispatcher weighs) and the buffers it writes, so a runtime needs no kernel IR', () => {
    const prog = g.program({ x: [5000], m: [37, 11] }, ({ x, m }) => ({ y: g.mul(x, 2), r: g.sum(m, { axes: 1 }) }));
    assert.ok(E.isRight(prog));
    const plan = compile(prog.right);
    const [scale, rowSum] = plan.wasm!.modules;
    // x * 2: index, load, const, mul per element
    assert.equal(scale.work, 4 * 5000);
    // a row sum: index, const 0, const 11, row * 11, accumulate; each of 11 iterations: loop index, add, load
    assert.equal(rowSum.work, (5 + 11 * 3) * 37);
    assert.deepEqual(plan.wasm!.modules.map((m) => m.stores), [[plan.outputs.y], [plan.outputs.r]]);
    assert.deepEqual(plan.wasm!.modules.map((m) => m.relaxedSimd), [false, false]);
  });
});

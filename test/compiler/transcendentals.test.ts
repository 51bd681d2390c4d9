// exp, log, tanh, erf and cos (and the normal draws built on log and cos) compute the same float32
// bits on wasm, gpu.js cpu and gpu.js webasm as the f32 interpreter, special values included; the
// wasm modules import nothing from the host's Math for them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../src/dsl/index.js';
import { compile } from '../../src/compiler/index.js';
import { renderWasm } from '../../src/compiler/wasm/render.js';
import { compiledAgreeExactly } from '../../props/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { build } from '../nn/harness.js';
import { transcendentalInputs } from './transcendental-inputs.js';

// 4099: four-lane groups, the unrolled loop and a scalar tail all run
const N = 4099;
const xs = transcendentalInputs(N);
const prog = build({ x: [N] }, ({ x }) => ({
  exp: g.exp(x),
  log: g.log(x),
  tanh: g.tanh(x),
  erf: g.erf(x),
  cos: g.cos(x),
  composed: g.log(g.add(g.exp(g.tanh(x)), g.erf(x))),
  normal: g.normal(g.randomKey(7, 3), [N]),
}));

describe('transcendentals, bit for bit across backends', () => {
  const rts: Runtime[] = [];
  before(async () => {
    for (const backend of ['wasm', 'cpu', 'webasm'] as const) rts.push(await createRuntime({ backend }));
  });
  after(() => rts.forEach((rt) => rt.destroy()));

  it('wasm, gpu.js cpu, gpu.js webasm and the f32 interpreter give the same float32 bits', async () => {
    assert.deepEqual(rts.map((rt) => rt.report.backend), ['wasm', 'cpu', 'webasm']);
    assert.equal(await compiledAgreeExactly(rts, prog, { x: xs }, Object.keys(prog.outputs)), undefined);
  });

  it('a constant argument folds to the same bits the kernels compute', async () => {
    // exp(0.115) in float32 steps is one ulp from Math.exp's value rounded: folding in float64 would differ
    const folded = build({ x: [3] }, ({ x }) => ({ y: g.add(x, g.exp(g.lift(0.115, 'f32'))) }));
    assert.equal(await compiledAgreeExactly(rts, folded, { x: [0, 1, -2] }, ['y']), undefined);
  });
});

describe('wasm modules for transcendentals', () => {
  it('import no host function and validate', () => {
    const plan = compile(prog);
    assert.ok(plan.kernelIR, plan.kernelIRError);
    for (const k of plan.kernelIR) {
      const r = renderWasm(k, { maxPages: 256 });
      assert.deepEqual(r.imports, [], `${k.name} imports ${r.imports.join(', ')}`);
      assert.ok(WebAssembly.validate(r.bytes));
    }
  });
});

// compile() renders a plan's wasm modules only when something reads them: a plan that gpu.js runs
// never renders (the renderer validates every module it emits, so WebAssembly.validate counts
// renderings); reading `plan.wasm` renders each kernel once, giving what renderModules gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../src/dsl/index.js';
import { compile } from '../../src/compiler/index.js';
import { renderModules } from '../../src/compiler/wasm/modules.js';
import { createRuntime } from '../../src/runtime/index.js';

const program = g.program({ x: [64, 32], w: [32, 16] }, ({ x, w }) => ({ y: g.tanh(g.matmul(x, w)), s: g.sum(x) }));

/** Runs `f` counting WebAssembly.validate calls. */
const countingValidations = async <T>(f: () => Promise<T>): Promise<{ value: T; validations: number }> => {
  const validate = WebAssembly.validate;
  let validations = 0;
  WebAssembly.validate = (bytes) => (validations++, validate(bytes));
  try {
    return { value: await f(), validations };
  } finally {
    WebAssembly.validate = validate;
  }
};

test('a plan compiled and run on gpu.js renders no wasm module; reading plan.wasm renders each kernel once', async () => {
  if (E.isLeft(program)) throw program.left;
  const rt = await createRuntime({ backend: 'cpu' });
  try {
    const x = Float32Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i));
    const w = Float32Array.from({ length: 32 * 16 }, (_, i) => Math.cos(i));
    const { value: plan, validations: onGpujs } = await countingValidations(async () => {
      const plan = compile(program.right);
      const out = await rt.load(plan).run({ x, w });
      assert.ok(E.isRight(out) && out.right.y.length === 64 * 16);
      return plan;
    });
    assert.equal(onGpujs, 0);
    const { value: modules, validations } = await countingValidations(async () => [plan.wasm, plan.wasm, JSON.parse(JSON.stringify(plan)).wasm]);
    assert.equal(validations, plan.kernelIR!.length);
    assert.equal(plan.wasmError, undefined);
    for (const m of modules) assert.deepEqual(m, renderModules(plan.kernelIR!));
  } finally {
    rt.destroy();
  }
});

// A row sum on webgpu, tree reductions (render-reduce.ts) beside one invocation per row, the input
// resident: milliseconds per call (best of --reps), each result checked against float64.
//   npx tsx bench/gpu/row-sum.ts [--rows 4096] [--cols 1024] [--reps 5]
// stdout: one JSON line per form.
import { parseArgs } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../src/dsl/index.js';
import { compile } from '../../src/compiler/index.js';
import type { WebGPURuntime } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/runtime/index.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const { values } = parseArgs({ options: { rows: { type: 'string', default: '4096' }, cols: { type: 'string', default: '1024' }, reps: { type: 'string', default: '5' } } });
const [R, C, REPS] = [Number(values.rows), Number(values.cols), Number(values.reps)];
const plan = compile(right(g.program({ x: [R, C] }, ({ x }) => ({ s: g.sum(x, { axes: 1 }) }))));
const x = Float32Array.from({ length: R * C }, (_, i) => Math.sin(i * 0.37));
const exact = Array.from({ length: R }, (_, r) => x.subarray(r * C, (r + 1) * C).reduce((a, b) => a + b, 0));

for (const [name, treeReduce] of [['tree', true], ['per element', false]] as const) {
  const rt = (await createRuntime({ backend: 'webgpu', treeReduce })) as WebGPURuntime;
  const ex = rt.load(plan, name);
  const input = rt.upload(x, [R, C]);
  let ms = Infinity;
  let out = right(await ex.call({ x: input }));
  for (let i = 0; i <= REPS; i++) {
    Object.values(out).forEach((t) => rt.dispose(t));
    const t0 = performance.now();
    out = right(await ex.call({ x: input }));
    await rt.sync();
    ms = Math.min(ms, performance.now() - t0);
  }
  const s = right(await rt.read(out.s));
  const worst = s.reduce((m, v, r) => Math.max(m, Math.abs(v - exact[r])), 0);
  console.log(JSON.stringify({ suite: 'gpu-row-sum', adapter: rt.report.adapter, form: name, rows: R, cols: C, treeKernels: ex.info()?.treeKernels, ms: +ms.toFixed(2), maxAbsErrVsFloat64: worst }));
  rt.destroy();
}

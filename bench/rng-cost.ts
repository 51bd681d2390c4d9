// Cost of drawing uniforms with the counter generator: `npx tsx bench/rng-cost.ts [--n 4M] [--reps 3] [--impls wasm,webasm,cpu,interpreter]`.
// stdout: one JSON line per backend (ms per draw of n uniforms, median over reps after one warm-up call).
import { parseArgs } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../src/dsl/index.js';
import { compile } from '../src/compiler/index.js';
import { createRuntime } from '../src/runtime/index.js';
import { measure, summarize } from './harness.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '4M' }, reps: { type: 'string', default: '3' }, impls: { type: 'string', default: 'wasm,webasm,cpu,interpreter' } } });
const impls = values.impls!.split(',');
const n = /^\d+M$/.test(values.n!) ? Number(values.n!.slice(0, -1)) * 2 ** 20 : Number(values.n);
const reps = Number(values.reps);

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

// the key is a runtime input, as in an optimizer step: nothing about it is folded at compile time
const prog = right(g.program({ k: { shape: [], dtype: 'i32' } }, ({ k }) => ({ u: g.uniform(k, [n]) })));
const feeds = { k: g.randomKey(1, 2) };

const report = (impl: string, ms: number[]) => console.log(JSON.stringify({ bench: 'rng-uniform', impl, size: n, ...summarize(ms, n) }));

const main = async () => {
  for (const backend of (['wasm', 'webasm', 'cpu'] as const).filter((b) => impls.includes(b))) {
    const rt = await createRuntime({ backend });
    const ex = rt.load(compile(prog));
    const [ms] = await measure([async () => void right(await ex.run(feeds))], { warmup: 1, reps, stepsPerSample: 1 });
    report(backend === 'wasm' ? 'wasm' : `gpu.js ${rt.report.backend}`, ms);
    ex.destroy();
    rt.destroy();
  }
  if (!impls.includes('interpreter')) return;
  const [ms] = await measure([() => void right(g.interpret(prog, feeds))], { warmup: 1, reps, stepsPerSample: 1 });
  report('interpreter (float64)', ms);
};

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

// The x64 code V8's optimising tier makes of one tiled matmul kernel, to see what bounds it (spills, shuffles):
//   npx tsx bench/matmul-disasm.ts nn|nt|tn [m k n] [--fma]
// It re-runs itself under `node --print-wasm-code --no-liftoff`, runs the kernel, and prints only that function.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../src/dsl/index.js';
import { compile } from '../src/compiler/index.js';
import { renderWasm } from '../src/compiler/wasm/render.js';
import { WasmHeap } from '../src/runtime/wasm/heap.js';
import { instantiate } from '../src/runtime/wasm/instance.js';

const args = process.argv.slice(2).filter((a) => a !== '--fma');
const fma = process.argv.includes('--fma');
const [layout = 'nt', m = 64, k = 784, n = 128] = [args[0], ...args.slice(1).map(Number)] as [string, number, number, number];

if (!process.env.GRAFT_DISASM_CHILD) {
  const self = fileURLToPath(import.meta.url);
  const flags = ['--print-wasm-code', '--no-liftoff', ...(fma ? ['--experimental-wasm-relaxed-simd'] : [])];
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', self, ...process.argv.slice(2)], { env: { ...process.env, GRAFT_DISASM_CHILD: '1' }, encoding: 'utf8', maxBuffer: 1 << 28 });
  // the kernel is the optimised function that broadcasts row values
  const fn = r.stdout.split(/\n(?=name: )/).find((s) => s.includes('compiler: TurboFan') && s.includes('vbroadcastss'));
  if (!fn) {
    console.error(r.stderr || 'no optimised kernel found in the output');
    process.exit(1);
  }
  console.log(`${r.stderr.trim()}\n${fn}`);
} else {
  const right = <A>(x: E.Either<Error, A>): A => E.getOrElseW((e: Error) => { throw e; })(x);
  const shapes = { a: layout === 'tn' ? [k, m] : [m, k], b: layout === 'nt' ? [n, k] : [k, n] };
  const prog = right(g.program(shapes, ({ a, b }) => ({ y: g.matmul(layout === 'tn' ? g.transpose(a) : a, layout === 'nt' ? g.transpose(b) : b) })));
  const plan = compile(prog);
  const kernel = plan.kernelIR!.find((x) => x.tiling)!;
  const heap = new WasmHeap(4096, 64);
  const addrs = kernel.params.map((b) => heap.alloc(plan.buffers[b].size * 4, `buffer ${b}`));
  const rendered = renderWasm(kernel, { maxPages: 4096, fma });
  console.error(`${kernel.name}: ${rendered.schedule}`);
  // a tiled kernel takes its scratch block last (a zeroed unit counter, then packed panels)
  const scratch = rendered.scratch ? [heap.alloc(rendered.scratch, 'scratch')] : [];
  instantiate(rendered, heap.memory).run([...addrs, ...scratch], 0, rendered.size);
}

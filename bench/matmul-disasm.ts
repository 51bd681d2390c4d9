// The x64 code V8's optimising tier makes of one tiled matmul kernel, to see what bounds it (spills, shuffles):
//   npx tsx bench/matmul-disasm.ts nn|nt|tn [m k n] [--fma]
// It re-runs itself under `node --print-wasm-code --no-liftoff`, runs the kernel, and prints only that function.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { instantiate } from '../src/runtime/wasm/instance.js';
import { tiledMatmulKernel } from './matmul-kernel.js';

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
  const { kernel, heap, addrs, rendered, scratch } = tiledMatmulKernel(layout, m, k, n, fma);
  console.error(`${kernel.name}: ${rendered.schedule}`);
  instantiate(rendered, heap.memory).run([...addrs, ...scratch], 0, rendered.size);
}

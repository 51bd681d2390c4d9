// One tiled matmul kernel timed by parts on this thread (packing units, then tile units), CPU time per call, best of
// several rounds, to see where a product's time goes: npx tsx bench/matmul-parts.ts nn|nt|tn m k n [--fma] [--reps N]
// Runs under --no-liftoff (and relaxed-simd for --fma); prints one JSON line.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { instantiate } from '../src/runtime/wasm/instance.js';
import { tiledMatmulKernel } from './matmul-kernel.js';

const argv = process.argv.slice(2);
const fma = argv.includes('--fma');
const repsAt = argv.indexOf('--reps');
const reps = repsAt >= 0 ? Number(argv[repsAt + 1]) : 200;
const args = argv.filter((a, i) => !a.startsWith('--') && (repsAt < 0 || i !== repsAt + 1));
const [layout = 'nt', m = 64, k = 784, n = 128] = [args[0], ...args.slice(1).map(Number)] as [string, number, number, number];

if (!process.env.GRAFT_PARTS_CHILD) {
  const flags = ['--no-liftoff', ...(fma ? ['--experimental-wasm-relaxed-simd'] : [])];
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', fileURLToPath(import.meta.url), ...argv], { env: { ...process.env, GRAFT_PARTS_CHILD: '1' }, stdio: 'inherit' });
  process.exit(r.status ?? 1);
} else {
  const { heap, addrs, rendered, scratch } = tiledMatmulKernel(layout, m, k, n, fma);
  const f32 = new Float32Array(heap.memory.buffer);
  for (const a of addrs) for (let i = 0; i < 1000; i++) f32[a / 4 + i] = Math.sin(i);
  const inst = instantiate(rendered, heap.memory);
  const all = [...addrs, ...scratch];
  const i32 = new Int32Array(heap.memory.buffer);
  const range = (lo: number, hi: number) => {
    if (scratch.length) i32[scratch[0] / 4] = 0;
    inst.run(all, lo, hi);
  };
  const p = rendered.phases[0] ?? 0;
  /** Best CPU microseconds per call of units [lo, hi) over 5 rounds of `reps` calls. */
  const time = (lo: number, hi: number) => {
    if (lo >= hi) return 0;
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const c0 = process.cpuUsage();
      for (let r = 0; r < reps; r++) range(lo, hi);
      const c = process.cpuUsage(c0);
      best = Math.min(best, (c.user + c.system) / reps);
    }
    return best;
  };
  range(0, rendered.size);
  const packUs = time(0, p);
  const tileUs = time(p, rendered.size);
  const wholeUs = time(0, rendered.size);
  const flops = 2 * m * k * n;
  console.log(JSON.stringify({ layout, m, k, n, schedule: rendered.schedule, units: rendered.size, pack_units: p, pack_us: +packUs.toFixed(1), tiles_us: +tileUs.toFixed(1), whole_us: +wholeUs.toFixed(1), tiles_gflops: +(flops / tileUs / 1e3).toFixed(2), whole_gflops: +(flops / wholeUs / 1e3).toFixed(2) }));
}

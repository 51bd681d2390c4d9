// C peers of the matmul suite: matmul.c beside this file, compiled at bench time (gcc -O3 -march=native) into a temp
// dir. `cMatmul` runs its blocked matmul on row-major A·B (its best layout: transposed operands are handed over
// already transposed) and times its own repetitions; `fmaPeak` measures one core's 128-bit FMA ceiling.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SOURCE = fileURLToPath(new URL('./matmul.c', import.meta.url));
export const C_FLAGS = ['-O3', '-march=native'];

let dir: string | undefined;
const tempDir = (): string => {
  if (dir === undefined) {
    const d = mkdtempSync(join(tmpdir(), 'graft-matmul-c-'));
    dir = d;
    process.once('exit', () => rmSync(d, { recursive: true, force: true }));
  }
  return dir;
};

let built: Promise<{ bin: string } | { reason: string }> | undefined;
/** The binary's path, or why there is none (no gcc, or a failed build). */
export const buildC = () =>
  (built ??= (async () => {
    const bin = join(tempDir(), 'matmul');
    try {
      await run('gcc', [...C_FLAGS, SOURCE, '-o', bin]);
      return { bin };
    } catch (e) {
      const msg = (e as { stderr?: string }).stderr || String(e);
      return { reason: `gcc ${C_FLAGS.join(' ')} failed or is missing: ${msg.trim().split('\n')[0]}` };
    }
  })());

const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** C = A·B per batch entry, A [m, k] and B [k, n] row-major: per-product times over `reps` runs and the result. */
export const cMatmul = async (bin: string, batch: number, m: number, k: number, n: number, a: Float32Array, b: Float32Array, reps: number) => {
  const d = tempDir();
  const [pa, pb, pc] = ['a.bin', 'b.bin', 'c.bin'].map((f) => join(d, f));
  writeFileSync(pa, bytes(a));
  writeFileSync(pb, bytes(b));
  const { stdout } = await run(bin, ['matmul', String(batch), String(m), String(k), String(n), String(reps), pa, pb, pc]);
  const t = JSON.parse(stdout) as { best_ms: number; median_ms: number; max_ms: number };
  const buf = readFileSync(pc);
  return { ...t, c: new Float32Array(buf.buffer, buf.byteOffset, batch * m * n).slice() };
};

/** GFLOP/s of 12 independent chains of 128-bit FMAs on one core, best of `reps`. */
export const fmaPeak = async (bin: string, reps: number): Promise<number> => {
  const { stdout } = await run(bin, ['peak', String(reps)]);
  return (JSON.parse(stdout) as { gflops: number }).gflops;
};

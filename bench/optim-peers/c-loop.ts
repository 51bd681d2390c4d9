// c-loop: adamw.c beside this file, compiled at bench time (gcc -O3 -march=native -fno-math-errno) into a temp dir and
// run as a child process that times its own steps; c-loop-omp2 is the same source built with -fopenmp and run with
// OMP_NUM_THREADS=2. The machine's ceiling for these steps. Skipped, with a reason, where gcc or OpenMP is missing.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ImplFactory, OptimImpl, OptimResult, OptimState } from './types.js';

const run = promisify(execFile);
const SOURCE = fileURLToPath(new URL('./adamw.c', import.meta.url));
const FLAGS = ['-O3', '-march=native', '-fno-math-errno'];

let dir: string | undefined;
const tempDir = (): string => {
  if (dir === undefined) {
    const d = mkdtempSync(join(tmpdir(), 'graft-optim-c-'));
    dir = d;
    process.once('exit', () => rmSync(d, { recursive: true, force: true }));
  }
  return dir;
};

/** One build per flavour per process: the binary's path, or why there is none. */
const builds = new Map<string, Promise<{ bin: string } | { reason: string }>>();
const build = (omp: boolean) => {
  const key = omp ? 'omp' : 'serial';
  let b = builds.get(key);
  if (!b) {
    b = (async () => {
      try {
        await run('gcc', ['--version']);
      } catch {
        return { reason: 'gcc not found on PATH' };
      }
      const bin = join(tempDir(), `adamw-${key}`);
      try {
        await run('gcc', [...FLAGS, ...(omp ? ['-fopenmp'] : []), SOURCE, '-o', bin, '-lm']);
        return { bin };
      } catch (e) {
        const msg = (e as { stderr?: string }).stderr || String(e);
        return { reason: `gcc ${[...FLAGS, ...(omp ? ['-fopenmp'] : [])].join(' ')} failed: ${msg.trim().split('\n')[0]}` };
      }
    })();
    builds.set(key, b);
  }
  return b;
};

/** The start state as a raw file the child loads (p, g, m, v), shared by both C flavours; one size kept at a time. */
const stateFiles = new Map<OptimState, string>();
let fileCount = 0;
const stateFile = (s0: OptimState): string => {
  let path = stateFiles.get(s0);
  if (path === undefined) {
    for (const [s, f] of stateFiles) if (s.p.length !== s0.p.length) (rmSync(f, { force: true }), stateFiles.delete(s));
    path = join(tempDir(), `state-${fileCount++}.bin`);
    const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    writeFileSync(path, Buffer.concat([bytes(s0.p), bytes(s0.g), bytes(s0.m), bytes(s0.v)]));
    stateFiles.set(s0, path);
  }
  return path;
};

/** Line-per-command conversation with the child: each command gets exactly one JSON line back. */
const converse = (child: ChildProcessWithoutNullStreams) => {
  const waiting: Array<{ resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }> = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const fail = (why: string) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`c-loop child ${why}${stderr ? `: ${stderr.trim()}` : ''}`));
  };
  child.on('exit', (code, signal) => fail(`exited (${signal ?? code})`));
  child.on('error', (e) => fail(e.message));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const w = waiting.shift();
    if (!w) return;
    const msg = JSON.parse(line) as Record<string, unknown>;
    if (msg.error || msg.ok === false) w.reject(new Error(`c-loop child: ${line}`));
    else w.resolve(msg);
  });
  return (cmd: string) => new Promise<Record<string, unknown>>((resolve, reject) => {
    waiting.push({ resolve, reject });
    child.stdin.write(`${cmd}\n`);
  });
};

const cImpl = (omp: boolean): ImplFactory => async (spec, n) => {
  const impl = omp ? 'c-loop-omp2' : 'c-loop';
  const b = await build(omp);
  if ('reason' in b) return { skip: impl, reason: b.reason };
  const args = [spec.kind, n, spec.stepsPerSample, spec.lr, spec.b1, spec.b2, spec.eps, spec.wd, spec.reserveP].map(String);
  const child = spawn(b.bin, args, { env: { ...process.env, OMP_NUM_THREADS: omp ? '2' : '1', OMP_PROC_BIND: 'false' } });
  const ask = converse(child);
  let loaded: OptimState | undefined;
  let threads = 1;
  let times: number[] = [];
  const out = join(tempDir(), `${impl}-out.bin`);
  const result: OptimImpl = {
    impl,
    steps: 1,
    reset: async (s0, reserveP) => {
      if (loaded !== s0) {
        threads = Number((await ask(`load ${stateFile(s0)}`)).threads);
        loaded = s0;
      }
      await ask(`reset ${reserveP}`);
      times = [];
    },
    sample: async () => void times.push(Number((await ask('run')).ms)),
    selfTimed: () => times,
    state: async () => {
      await ask(`dump ${out}`);
      const buf = readFileSync(out);
      rmSync(out, { force: true });
      const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + 12 * n));
      const r: OptimResult = { p: all.subarray(0, n), m: all.subarray(n, 2 * n), v: all.subarray(2 * n) };
      return r;
    },
    ran: () => ({ backend: 'native', executor: `gcc-O3${omp ? `-omp${threads}` : ''}` }),
    close: async () => {
      child.stdin.end('quit\n');
      await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
    },
  };
  return result;
};

export const cLoop: ImplFactory = cImpl(false);
export const cLoopOmp2: ImplFactory = cImpl(true);

// examples/browser: the static server on 127.0.0.1, the page driven in headless Chromium (Debian's
// chromium through puppeteer-core). Held-out accuracy rises, and the first steps' losses equal those
// of the same training loop run in Node (on one thread), exactly. Without chromium the test skips, saying why;
// GRAFT_REQUIRE_BROWSER=1 makes that a failure. jit.html: graft's browser bundle compiles a program
// in the page and gets the sources' bits.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Server } from 'node:http';
import { compileModule } from '../../src/cli/aot/compile-module.js';
import * as g from '../../src/index.js';
import * as entry from '../../examples/aot/mnist-mlp.js';
import { BUILD, prepare } from '../../examples/browser/prepare.js';
// @ts-expect-error: plain JavaScript, shared by the page and this Node run
import { startServer } from '../../examples/browser/server.mjs';
// @ts-expect-error: plain JavaScript, shared by the page and this Node run
import { train } from '../../examples/browser/train-loop.mjs';
// @ts-expect-error: plain JavaScript, shared by jit.html and this Node run
import { jitFeeds, jitProgram } from '../../examples/browser/jit-program.mjs';
// @ts-expect-error: plain JavaScript, also a command that leaves a screenshot
import { CHROMIUM, drivePage } from '../../examples/browser/drive.mjs';

const missing = existsSync(CHROMIUM) ? undefined : `no chromium at ${CHROMIUM} (apt-get install chromium, or set $CHROMIUM)`;
const required = process.env.GRAFT_REQUIRE_BROWSER === '1';
const STEPS = 45;
/** Steps whose losses must match the Node run's bit for bit. */
const COMPARED = 5;

interface Step { step: number; loss: number; accuracy?: number }
interface JitRun { error?: string; p: number[]; n: number[] }
interface PageRun { done: boolean; error?: string; record: Step[]; crossOriginIsolated: boolean; threads: number; cores: number; backend: string; adapter?: string }

let server: Server | undefined;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'graft-browser-'));
  if (!missing) await prepare();
});
after(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Dawn's entry point, held for the whole file: collecting it crashes Dawn. */
let dawn: unknown;

/** The same loop in Node on the page's backend (webgpu through Dawn on the adapter Node finds, else wasm). */
const nodeRun = async (steps: number, backend: string): Promise<Step[]> => {
  const compiled = await compileModule(entry, backend === 'webgpu' ? ['wasm', 'webgpu'] : backend === 'gpujs' ? ['gpujs'] : ['wasm'], 'node', 'test');
  if (compiled.problems) assert.fail(compiled.problems.join('\n'));
  writeFileSync(join(dir, `node-${backend}.mjs`), compiled.module.code);
  if (backend === 'webgpu') {
    const found = await g.findWebGPUAdapter(true);
    assert.ok('adapter' in found, `the page ran WebGPU; Node needs an adapter to compare: ${'reason' in found ? found.reason : ''}`);
    dawn ??= ((await import('webgpu')) as unknown as { create(flags: string[]): unknown }).create([]);
  }
  const loaded = await (await import(pathToFileURL(join(dir, `node-${backend}.mjs`)).href)).load({ threads: 1, ...(backend === 'webgpu' ? { gpu: dawn } : {}) });
  assert.equal(loaded.host.backend, backend, loaded.host.webgpuUnused);
  const meta = JSON.parse(readFileSync(join(BUILD, 'meta.json'), 'utf8'));
  const f32 = (name: string) => new Float32Array(new Uint8Array(readFileSync(join(BUILD, name))).buffer);
  try {
    return await train(loaded, meta, { images: f32('images.bin'), labels: f32('labels.bin'), params: f32('params.bin') }, { steps, evalEvery: 1000 }, () => undefined);
  } finally {
    loaded.destroy();
  }
};

test('the page trains the MNIST MLP in headless Chromium: accuracy rises, first losses equal Node\'s; the browser bundle compiles in the page', { skip: !required && missing, timeout: 600_000 }, async (t) => {
  assert.equal(missing, undefined, `GRAFT_REQUIRE_BROWSER=1, but ${missing}`);
  const started = await startServer(0);
  server = started.server;
  const { run, final, errors, jit } = (await drivePage({ url: started.url, steps: STEPS, chromium: CHROMIUM })) as { run: PageRun; final: string; errors: string[]; jit: JitRun };
  assert.equal(run.error, undefined);
  assert.deepEqual(errors, []);
  assert.equal(run.crossOriginIsolated, true, 'the server makes the page cross-origin isolated');
  // isolated, the module runs wasm kernels on Web Workers too: one thread per core the browser reports (at most 8); on WebGPU it starts none
  assert.equal(run.threads, run.backend === 'wasm' ? Math.min(8, run.cores) : 1);
  assert.equal(run.record.length, STEPS);
  const evaluated = run.record.filter((r) => r.accuracy !== undefined).map((r) => r.accuracy!);
  assert.ok(evaluated.length >= 5, `${evaluated.length} evaluations`);
  // ten classes: chance is 0.1; a few dozen AdamW steps on real digits get well past it
  assert.ok(evaluated[0] < 0.3 && evaluated.at(-1)! > evaluated[0] + 0.3, `held-out accuracy ${evaluated.join(' → ')}`);
  assert.match(final, /^final held-out accuracy: \d+\.\d% after 45 steps/);
  // the page runs WebGPU where headless Chromium exposes an adapter, else wasm: Node runs the same backend
  t.diagnostic(`page backend: ${run.backend}${run.adapter ? ` (${run.adapter})` : ''}`);
  const node = await nodeRun(COMPARED, run.backend);
  assert.deepEqual(run.record.slice(0, COMPARED).map((r) => r.loss), node.map((r) => r.loss));
  if (run.backend === 'webgpu') {
    // the page's wasm path (`?backend=wasm`, Web Workers as well as the page's thread) against Node's wasm run
    const { run: onWasm } = (await drivePage({ url: started.url, steps: COMPARED, query: '&backend=wasm', chromium: CHROMIUM })) as { run: PageRun };
    assert.equal(onWasm.error, undefined);
    assert.equal(onWasm.backend, 'wasm');
    assert.equal(onWasm.threads, Math.min(8, onWasm.cores));
    assert.deepEqual(onWasm.record.map((r) => r.loss), (await nodeRun(COMPARED, 'wasm')).map((r) => r.loss));
  }
  // the page's gpujs path (`?backend=gpujs`: gpu.js sources as plain JavaScript, what a page without shared memory runs) against Node's
  const { run: onGpujs } = (await drivePage({ url: started.url, steps: COMPARED, query: '&backend=gpujs', chromium: CHROMIUM })) as { run: PageRun };
  assert.equal(onGpujs.error, undefined);
  assert.equal(onGpujs.backend, 'gpujs');
  assert.equal(onGpujs.threads, 1);
  assert.deepEqual(onGpujs.record.map((r) => r.loss), (await nodeRun(COMPARED, 'gpujs')).map((r) => r.loss));

  // jit.html: graft's browser bundle compiles and runs a program in the page, with the sources' bits in Node
  assert.equal(jit.error, undefined);
  const rt = await g.createRuntime({ backend: 'wasm', threads: 1 });
  const want = await rt.load(g.compile(jitProgram(g).right)).run(jitFeeds());
  rt.destroy();
  assert.ok(want._tag === 'Right');
  assert.deepEqual(jit.p, [...new Uint32Array(want.right.p.buffer)]);
  assert.deepEqual(jit.n, [...new Uint32Array(want.right.n.buffer)]);
});

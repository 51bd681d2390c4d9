// The page: load the compiled module and the prepared data, train, and draw the loss (blue) and
// held-out accuracy (green) as it goes. `window.graftRun` holds the record for tests.
import { train } from './train-loop.mjs';

const STEPS = Number(new URLSearchParams(location.search).get('steps') ?? 189);
const EVAL_EVERY = 9;
/** `?threads=n` overrides the module's default (every core when cross-origin isolated). */
const THREADS = new URLSearchParams(location.search).get('threads');
/** `?backend=wasm` (or `gpujs`: the gpu.js sources as plain JavaScript) keeps to that target where WebGPU is present. */
const BACKEND = new URLSearchParams(location.search).get('backend');
const $ = (id) => document.getElementById(id);
const run = (window.graftRun = { done: false, record: [], crossOriginIsolated: globalThis.crossOriginIsolated === true, cores: navigator.hardwareConcurrency });

const fetchBytes = async (name) => {
  const r = await fetch(`./build/${name}`);
  if (!r.ok) throw new Error(`${name}: ${r.status} ${await r.text()}`);
  return r.arrayBuffer();
};

/** Loss on a scale from 0 to the first loss, accuracy from 0 to 1, over steps. */
const draw = (record) => {
  const c = $('curve');
  const ctx = c.getContext('2d');
  const [w, h, pad] = [c.width, c.height, 30];
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = '#999';
  ctx.strokeRect(pad, 10, w - pad - 10, h - pad - 10);
  ctx.fillStyle = '#555';
  ctx.fillText('step', w / 2, h - 8);
  ctx.fillText(`${STEPS}`, w - 30, h - 8);
  const x = (s) => pad + ((w - pad - 10) * s) / STEPS;
  const y = (v) => h - pad - (h - pad - 20) * v;
  const top = Math.max(...record.map((r) => r.loss));
  const line = (points, colour) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach(([s, v], i) => (i ? ctx.lineTo(x(s), y(v)) : ctx.moveTo(x(s), y(v))));
    ctx.stroke();
  };
  line(record.map((r) => [r.step, r.loss / top]), '#2563eb');
  line(record.filter((r) => r.accuracy !== undefined).map((r) => [r.step, r.accuracy]), '#16a34a');
  ctx.fillStyle = '#2563eb';
  ctx.fillText(`loss (max ${top.toFixed(2)})`, w - 220, h / 2);
  ctx.fillStyle = '#16a34a';
  ctx.fillText('held-out accuracy (0–1)', w - 220, h / 2 + 14);
};

try {
  const mod = await import('./build/mnist-mlp.mjs');
  // WebGPU where the browser has it and an adapter answers, wasm where the page may share memory, gpujs otherwise
  const gpu = 'gpu' in navigator ? { gpu: navigator.gpu } : {};
  const loaded = await mod.load({ ...(THREADS ? { threads: Number(THREADS) } : {}), ...gpu, ...(BACKEND ? { backend: BACKEND } : {}) });
  const { host } = loaded;
  run.backend = host.backend;
  run.adapter = host.adapter;
  run.threads = host.threads;
  const noGpu = host.webgpuUnused ?? ('gpu' in navigator ? 'asked to' : 'no WebGPU in this browser');
  const where = host.backend === 'webgpu' ? `running WebGPU on ${host.adapter}` : host.backend === 'wasm' ? `running wasm (${noGpu})` : `running gpu.js kernels as JavaScript (${host.wasmUnused ?? 'asked to'})`;
  const threads = host.backend === 'wasm' ? `; ${host.threads} wasm thread${host.threads === 1 ? '' : 's'}` : '';
  $('backend').textContent = `${where}${threads}; cross-origin isolated: ${run.crossOriginIsolated}`;
  const meta = await (await fetch('./build/meta.json')).json();
  const data = { images: new Float32Array(await fetchBytes('images.bin')), labels: new Float32Array(await fetchBytes('labels.bin')), params: new Float32Array(await fetchBytes('params.bin')) };
  const started = performance.now();
  await train(loaded, meta, data, { steps: STEPS, evalEvery: EVAL_EVERY }, async (r) => {
    run.record.push(r);
    $('progress').value = r.step / STEPS;
    $('status').textContent = `step ${r.step} / ${STEPS}`;
    $('loss').textContent = `loss ${r.loss.toFixed(4)}`;
    if (r.accuracy !== undefined) $('accuracy').textContent = `accuracy ${(100 * r.accuracy).toFixed(1)}%`;
    draw(run.record);
    // let the page paint between steps
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
  run.seconds = (performance.now() - started) / 1000;
  const last = run.record.at(-1);
  $('final').textContent = `final held-out accuracy: ${(100 * last.accuracy).toFixed(1)}% after ${STEPS} steps (${run.seconds.toFixed(1)} s)`;
  loaded.destroy();
} catch (e) {
  run.error = String(e?.message ?? e);
  $('final').textContent = `error: ${run.error}`;
}
run.done = true;

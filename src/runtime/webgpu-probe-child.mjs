// Run by graft in a child process (plain JavaScript, no loader): load Dawn, ask for an adapter, answer with one
// JSON line on stdout. Dawn writes its diagnostics to this process's stderr, which the parent keeps to itself.
let answer;
try {
  const dawn = await import('webgpu');
  Object.assign(globalThis, dawn.globals);
  const adapter = await dawn.create([]).requestAdapter();
  const i = adapter?.info;
  const info = i ? { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: Boolean(i.isFallbackAdapter ?? adapter.isFallbackAdapter) } : undefined;
  answer = { adapter: Boolean(adapter), ...(info ? { info } : {}) };
} catch (e) {
  answer = { loadError: String(e?.message ?? e).split('\n')[0] };
}
// exit once the line is out (pipes are asynchronous on some systems): Dawn's threads could keep the process alive
process.stdout.write(`${JSON.stringify(answer)}\n`, () => process.exit(0));

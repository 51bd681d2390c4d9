// Run by graft in a child process (plain JavaScript, no loader): load Dawn, ask for an adapter, answer with one
// JSON line on stdout. Dawn writes its diagnostics to this process's stderr, which the parent keeps to itself.
try {
  const dawn = await import('webgpu');
  Object.assign(globalThis, dawn.globals);
  const adapter = await dawn.create([]).requestAdapter();
  const info = adapter?.info ? { vendor: adapter.info.vendor, architecture: adapter.info.architecture, description: adapter.info.description } : undefined;
  process.stdout.write(`${JSON.stringify({ adapter: Boolean(adapter), ...(info ? { info } : {}) })}\n`);
} catch (e) {
  process.stdout.write(`${JSON.stringify({ loadError: String(e?.message ?? e).split('\n')[0] })}\n`);
}
// Dawn's threads can keep the process alive after the answer
process.exit(0);

// The page's training loop, plain JavaScript shared with the Node run that checks it: batches in
// order, one compiled training step per batch (loss, gradients and AdamW in one call), evaluation
// on held-out digits every `evalEvery` steps. Only the compiled module's API is used.

/** Parameters as named arrays from the prepared files (meta.json, params.bin). */
export const paramsFrom = (meta, flat) =>
  Object.fromEntries(meta.params.map((p) => [`p:${p.name}`, flat.subarray(p.offset, p.offset + p.shape.reduce((a, b) => a * b, 1))]));

const unwrap = (r, what) => {
  if (r._tag === 'Left') throw new Error(`${what}: ${r.left.message}`);
  return r.right;
};

/** Runs `steps` training steps; `onStep({ step, loss, accuracy? })` after each (accuracy when evaluated). */
export const train = async (loaded, meta, data, { steps, evalEvery }, onStep) => {
  const { batch, features, train: n } = meta;
  const init = loaded.programs['train.init'];
  const step = loaded.programs['train.step'];
  const evaluate = loaded.programs.evaluate;
  const params = paramsFrom(meta, data.params);
  let state = { ...params, ...unwrap(await init.run(params), 'train.init') };
  const carried = Object.keys(state).filter((k) => k.startsWith('p:') || k.startsWith('s:'));
  const testX = data.images.subarray(n * features, (n + meta.eval) * features);
  const testY = data.labels.subarray(n, n + meta.eval);
  const accuracy = async () => {
    const ps = Object.fromEntries(Object.keys(params).map((k) => [k, state[k]]));
    return unwrap(await evaluate.run({ ...ps, x: testX, y: testY }), 'evaluate').accuracy[0];
  };
  const record = [];
  for (let s = 0; s < steps; s++) {
    const at = (s * batch) % n;
    const feeds = Object.fromEntries(carried.map((k) => [k, state[k]]));
    const out = unwrap(await step.run({ ...feeds, 'x:x': data.images.subarray(at * features, (at + batch) * features), 'x:y': data.labels.subarray(at, at + batch) }), `step ${s}`);
    state = { ...state, ...out };
    const r = { step: s + 1, loss: out['m:loss'][0] };
    if ((s + 1) % evalEvery === 0 || s === 0 || s + 1 === steps) r.accuracy = await accuracy();
    record.push(r);
    await onStep(r);
  }
  return record;
};

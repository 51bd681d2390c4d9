import type { Examples } from '../../src/train/fit.js';

/** Three gaussian blobs in 4-D (class k near 2·e_k): linearly separable, so training must get them all. */
export const blobs = (n: number, seed: number): Examples => {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const inputs = new Float32Array(n * 4);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let f = 0; f < 4; f++) inputs[i * 4 + f] = (f === labels[i] ? 2 : 0) + 0.3 * r();
  }
  return { inputs, labels, count: n };
};

/** Blobs with every other label wrong: validation loss turns upward once training fits clean data. */
export const noisyBlobs = (n: number, seed: number): Examples => {
  const clean = blobs(n, seed);
  return { ...clean, labels: clean.labels.map((l, i) => (i % 2 ? (l + 1) % 3 : l)) };
};

// The `mnist` package's 10,000 real digits (about 1,000 per class, 28×28 floats in [0, 1]), read
// from its JSON files directly: its own helpers shuffle with Math.random, which is not reproducible.
import { createRequire } from 'node:module';

export const IMAGE_SIZE = 28 * 28;

export interface Digits {
  /** Row-major images, IMAGE_SIZE floats each. */
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
}

const require = createRequire(import.meta.url);

/** One class's images as the package stores them (read once; require caches it). */
const classFile = (c: number) => {
  if (!Number.isInteger(c) || c < 0 || c > 9) throw new RangeError(`digit class ${c} is not 0..9`);
  const data = (require(`mnist/src/digits/${c}.json`) as { data: number[] }).data;
  return { c, data, count: Math.floor(data.length / IMAGE_SIZE) };
};

/** How many images the given classes hold, without copying them. */
export const countDigits = (classes: readonly number[]): number => classes.reduce((n, c) => n + classFile(c).count, 0);

/** Every image of the given classes, in class order, then file order. */
export const loadDigits = (classes: readonly number[]): Digits => {
  const parts = classes.map(classFile);
  const count = parts.reduce((s, p) => s + p.count, 0);
  const images = new Float32Array(count * IMAGE_SIZE);
  const labels = new Int32Array(count);
  let at = 0;
  for (const p of parts) {
    images.set(p.data.slice(0, p.count * IMAGE_SIZE), at * IMAGE_SIZE);
    labels.fill(p.c, at, at + p.count);
    at += p.count;
  }
  return { images, labels, count };
};

/** A subset by example index, in the order given. */
export const take = (d: Digits, indices: ArrayLike<number>): Digits => {
  const images = new Float32Array(indices.length * IMAGE_SIZE);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    images.set(d.images.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE), k * IMAGE_SIZE);
    labels[k] = d.labels[i];
  }
  return { images, labels, count: indices.length };
};

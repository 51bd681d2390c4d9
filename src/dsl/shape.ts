// Static shapes: plain readonly integer arrays, row-major (C order).
export type Shape = readonly number[];

/**
 * Largest element count a tensor may have: flat indices are i32 in graft's kernel IR. Backends bound
 * it further (runtime/tensor-limits.ts): gpu.js 2^24 (f32 indices), wasm 2^29, webgpu its adapter's binding size.
 */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * Integers stored in a tensor (i32 values, gather indices, iota) are f32 on every backend: exact below this. gpu.js
 * computes flat indices in f32 too, so it is also gpu.js's tensor limit, the smallest backend's.
 */
export const MAX_EXACT_INTEGER = 2 ** 24;

export const sizeOf = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

export const stridesOf = (shape: Shape): number[] => {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    strides[k] = s;
    s *= shape[k];
  }
  return strides;
};

export const showShape = (shape: Shape): string => `[${shape.join(', ')}]`;

export const sameShape = (a: Shape, b: Shape): boolean =>
  a.length === b.length && a.every((d, k) => d === b[k]);

/** numpy broadcasting: align trailing axes; a size-1 axis stretches. Undefined when incompatible. */
export const broadcastShapes = (a: Shape, b: Shape): Shape | undefined => {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    const da = a[a.length - rank + k] ?? 1;
    const db = b[b.length - rank + k] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
};

/** Decompose a flat row-major index into per-axis indices. */
export const unravel = (flat: number, shape: Shape): number[] => {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = flat % shape[k];
    flat = Math.floor(flat / shape[k]);
  }
  return idx;
};

export const ravel = (idx: readonly number[], shape: Shape): number => {
  let flat = 0;
  for (let k = 0; k < shape.length; k++) flat = flat * shape[k] + idx[k];
  return flat;
};

/** Flat float storage for every dtype; what graft hands back to callers. */
export type Outputs = Readonly<Record<string, Float32Array>>;

/** Arrays joined end to end into a new one. */
export const concatFloat32 = (parts: readonly ArrayLike<number>[]): Float32Array => {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
};

/** A kernel result as one flat array: a 2-D grid kernel hands back its rows. */
export const toFloat32 = (x: ArrayLike<number> | readonly ArrayLike<number>[] | number): Float32Array => {
  if (typeof x === 'number') return Float32Array.of(x);
  if (x instanceof Float32Array) return x;
  if (Array.isArray(x) && x.length > 0 && ArrayBuffer.isView(x[0])) return concatFloat32(x as readonly Float32Array[]);
  return Float32Array.from(x as ArrayLike<number>);
};

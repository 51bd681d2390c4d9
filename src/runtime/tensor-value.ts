/** Flat float storage for every dtype; what graft hands back to callers. */
export type Outputs = Readonly<Record<string, Float32Array>>;

/** A kernel result as one flat array: a 2-D grid kernel hands back its rows. */
export const toFloat32 = (x: ArrayLike<number> | readonly ArrayLike<number>[] | number): Float32Array => {
  if (typeof x === 'number') return Float32Array.of(x);
  if (x instanceof Float32Array) return x;
  if (Array.isArray(x) && x.length > 0 && ArrayBuffer.isView(x[0])) {
    const rows = x as readonly Float32Array[];
    const out = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
    rows.reduce((at, r) => (out.set(r, at), at + r.length), 0);
    return out;
  }
  return Float32Array.from(x as ArrayLike<number>);
};

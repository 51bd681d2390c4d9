/** Flat float storage for every dtype; what graft hands back to callers. */
export type Outputs = Readonly<Record<string, Float32Array>>;

export const toFloat32 = (x: ArrayLike<number> | number): Float32Array =>
  typeof x === 'number' ? Float32Array.of(x) : x instanceof Float32Array ? x : Float32Array.from(x);

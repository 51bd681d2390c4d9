/** A float literal gpu.js parses as a float (never an integer), exact in f32. */
export const lit = (v: number): string => {
  if (Number.isNaN(v)) return '(0.0 / 0.0)';
  if (!Number.isFinite(v)) return v > 0 ? '3.4028234663852886e38' : '(-3.4028234663852886e38)';
  const f = Math.fround(v);
  const s = Number.isInteger(f) && Math.abs(f) < 1e21 ? `${f}.0` : String(f);
  return f < 0 || Object.is(f, -0) ? `(${s.startsWith('-') ? s : `-${s}`})` : s;
};

/**
 * Rounds a value to float32. Every op whose exact result may not be a float32 is wrapped in it: the
 * wasm and WGSL renderers compute in f32 already (for them it is free), and gpu.js's cpu mode runs the
 * source as JavaScript doubles, where an unrounded value recomputed in two kernels would differ.
 */
export const f32 = (x: string): string => `Math.fround(${x})`;

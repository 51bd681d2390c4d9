/** A float literal gpu.js parses as a float (never an integer), exact in f32. */
export const lit = (v: number): string => {
  if (Number.isNaN(v)) return '(0.0 / 0.0)';
  if (!Number.isFinite(v)) return v > 0 ? '3.4028234663852886e38' : '(-3.4028234663852886e38)';
  const f = Math.fround(v);
  const s = Number.isInteger(f) && Math.abs(f) < 1e21 ? `${f}.0` : String(f);
  return f < 0 || Object.is(f, -0) ? `(${s.startsWith('-') ? s : `-${s}`})` : s;
};

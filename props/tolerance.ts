/**
 * float32 results against the float64 reference: |got - want| <= atol + rtol * |want|.
 * 1e-4 covers a dozen bounded f32 ops and 125-element f32 sums (~125 * 2^-24 relative).
 */
export const DEFAULT_TOLERANCE = { atol: 1e-4, rtol: 1e-4 } as const;

export interface Mismatch {
  readonly index: number;
  readonly got: number;
  readonly want: number;
}

export const firstMismatch = (got: ArrayLike<number>, want: ArrayLike<number>, tol: { atol: number; rtol: number } = DEFAULT_TOLERANCE): Mismatch | undefined => {
  if (got.length !== want.length) return { index: -1, got: got.length, want: want.length };
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    const v = got[i];
    const ok = Number.isNaN(w) ? Number.isNaN(v) : Math.abs(v - w) <= tol.atol + tol.rtol * Math.abs(w);
    if (!ok) return { index: i, got: v, want: w };
  }
  return undefined;
};

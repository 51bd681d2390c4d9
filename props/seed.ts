/** Property runs are reproducible: a fixed seed unless GRAFT_SEED says otherwise; fast-check prints it on failure. */
export const DEFAULT_SEED = 20261121;

export const propertyParams = (numRuns: number): { seed: number; numRuns: number } => {
  const raw = process.env.GRAFT_SEED;
  const seed = raw === undefined || raw === '' ? DEFAULT_SEED : Number(raw);
  if (!Number.isInteger(seed)) throw new Error(`$GRAFT_SEED: '${raw}' is not an integer`);
  const scale = Number(process.env.GRAFT_RUNS_SCALE ?? 1);
  return { seed, numRuns: Math.max(1, Math.round(numRuns * (Number.isFinite(scale) && scale > 0 ? scale : 1))) };
};

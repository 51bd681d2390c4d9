// The field checks every Hugging Face config.json decoder shares (BERT, GPT-2): numeric fields with
// their defaults, fields graft supports only at one value, each problem named by its field.
import type { Problem } from '../checkpoint/problem.js';
import { problemAt } from '../checkpoint/problem.js';
import { show } from '../checkpoint/decode-errors.js';

export type Check = (v: unknown) => boolean;
export const int = (min: number): Check => (v) => Number.isSafeInteger(v) && (v as number) >= min;
export const prob: Check = (v) => typeof v === 'number' && v >= 0 && v < 1;
export const positive: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;
export const nonNegative: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
export const orNull = (c: Check): Check => (v) => v === null || c(v);
export const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/** HF name -> [graft name, check, what it expects, the transformers default]. */
export type NumericFields = Readonly<Record<string, readonly [string, Check, string, unknown]>>;
/** HF name -> the one value (or values) graft supports. */
export type FixedFields = Readonly<Record<string, { readonly ok: Check; readonly want: string }>>;

/** Each numeric field under its graft name (its default when absent); a bad one is a problem at its name. */
export const readNumeric = (raw: Record<string, unknown>, spec: NumericFields, problems: Problem[]): Record<string, unknown> => {
  const values: Record<string, unknown> = {};
  for (const [hf, [key, ok, want, dflt]] of Object.entries(spec)) {
    const v = hf in raw ? raw[hf] : dflt;
    if (ok(v)) values[key] = v;
    else problems.push(problemAt([hf], `expected ${want}, got ${show(v)}`));
  }
  return values;
};

/** A present field at a value graft does not support is a problem at its name. */
export const checkFixed = (raw: Record<string, unknown>, spec: FixedFields, problems: Problem[]): void => {
  for (const [hf, { ok, want }] of Object.entries(spec)) if (hf in raw && !ok(raw[hf])) problems.push(problemAt([hf], `${show(raw[hf])} is not supported: expected ${want}`));
};

// Feed checks without fp-ts, so an ahead-of-time module checks feeds as the library does.
import { sizeOf, showShape } from './shape.js';
import type { InputSpec } from './program.js';

/** What a caller hands a program: one flat row-major array (or a number, for a scalar) per input. */
export type Feed = ArrayLike<number> | number;
export type Feeds = Readonly<Record<string, Feed>>;

export class FeedError extends Error {
  override readonly name = 'FeedError';
  constructor(readonly problems: readonly string[]) {
    super(`bad inputs:\n  ${problems.join('\n  ')}`);
  }
}

/** How problems name a feed: `input 'x'` by default; an optimizer says `gradient for 'w'`. */
export interface FeedNaming {
  readonly known: (name: string) => string;
  /** The whole problem for a feed no spec declares. */
  readonly unknown: (name: string, declared: readonly string[]) => string;
}

export const INPUT_NAMING: FeedNaming = {
  known: (name) => `input '${name}'`,
  unknown: (name, declared) => `input '${name}': not an input of this program (inputs: ${declared.join(', ') || 'none'})`,
};

const article = (w: string): string => `${/^[aeiou]/i.test(w) ? 'an' : 'a'} ${w}`;
const shown = (v: unknown): string =>
  typeof v === 'string' ? `'${v}' (a string)`
  : v === null ? 'null'
  : typeof v === 'object' ? article((v as object).constructor?.name ?? 'object')
  : typeof v === 'function' ? 'a function'
  : `${String(v)} (${article(typeof v)})`;

/** The feed as numbers, or why it is not: a number, a typed array, or a plain array of numbers. */
const asNumbers = (f: unknown): ArrayLike<number> | string => {
  if (typeof f === 'number') return [f];
  // a BigInt64Array is a view too, but of bigints: it is reported below by its class name
  if (ArrayBuffer.isView(f) && !(f instanceof DataView) && !(f instanceof BigInt64Array) && !(f instanceof BigUint64Array)) return f as unknown as ArrayLike<number>;
  if (!Array.isArray(f)) return `is ${shown(f)}, expected a number or an array of numbers`;
  const i = f.findIndex((v) => typeof v !== 'number');
  return i < 0 ? f : `element ${i} is ${shown(f[i])}, expected a number`;
};

/** Every problem of the feeds against the declared inputs (all at once), and the feeds as numbers. */
export const feedProblems = (inputs: readonly InputSpec[], feeds: Feeds, naming: FeedNaming = INPUT_NAMING): { readonly problems: string[]; readonly values: Record<string, ArrayLike<number>> } => {
  const problems: string[] = [];
  const out: Record<string, ArrayLike<number>> = {};
  for (const spec of inputs) {
    const f = feeds[spec.name];
    const want = sizeOf(spec.shape);
    const name = naming.known(spec.name);
    if (f === undefined) {
      problems.push(`${name}: missing (expected ${spec.dtype}${showShape(spec.shape)})`);
      continue;
    }
    const arr = asNumbers(f);
    if (typeof arr === 'string') {
      problems.push(`${name}: ${arr} (for ${spec.dtype}${showShape(spec.shape)})`);
      continue;
    }
    if (arr.length !== want) {
      problems.push(`${name}: ${arr.length} values, expected ${want} for ${spec.dtype}${showShape(spec.shape)}`);
      continue;
    }
    if (spec.dtype !== 'f32') {
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i];
        const ok = spec.dtype === 'bool' ? v === 0 || v === 1 : Number.isInteger(v) && Math.abs(v) < 2 ** 24;
        if (!ok) {
          problems.push(`${name}: element ${i} is ${v}, expected ${spec.dtype === 'bool' ? '0 or 1' : 'an integer below 2^24 in magnitude'}`);
          break;
        }
      }
    }
    out[spec.name] = arr;
  }
  const declared = inputs.map((s) => s.name);
  for (const name of Object.keys(feeds)) {
    if (!declared.includes(name)) problems.push(naming.unknown(name, declared));
  }
  return { problems, values: out };
};

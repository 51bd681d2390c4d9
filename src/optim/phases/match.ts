// How one `params` entry picks parameters: an exact name first, else a regex anchored at the start only (Python re.match).
export type MatchHow = 'exact' | 'regex' | 'prefix';

export interface EntryMatch {
  /** How the entry was read: an exact name, a regex, or a regex that does not compile. */
  readonly as: 'exact' | 'regex' | 'invalid-regex';
  /** Matched parameters in model order; `prefix`: the regex matched only a start of the name, not all of it. */
  readonly matches: ReadonlyArray<{ readonly name: string; readonly how: MatchHow }>;
  /** The regex syntax error, for `invalid-regex`. */
  readonly error?: string;
}

const compile = (source: string): RegExp | string => {
  try {
    return new RegExp(source);
  } catch (e) {
    return (e as Error).message;
  }
};

export const matchEntry = (entry: string, names: readonly string[], exact: ReadonlySet<string> = new Set(names)): EntryMatch => {
  if (exact.has(entry)) return { as: 'exact', matches: [{ name: entry, how: 'exact' }] };
  // compile the entry alone first: `a)|(b` would compile once wrapped but is not a regex of its own
  const alone = compile(entry);
  if (typeof alone === 'string') return { as: 'invalid-regex', matches: [], error: alone };
  const [start, whole] = [new RegExp(`^(?:${entry})`), new RegExp(`^(?:${entry})$`)];
  return { as: 'regex', matches: names.filter((n) => start.test(n)).map((name) => ({ name, how: whole.test(name) ? 'regex' : 'prefix' })) };
};

/** Names the entry would match if searched anywhere, for the hint on an entry that matches nothing. */
export const unanchoredMatches = (entry: string, names: readonly string[]): string[] => {
  const re = compile(entry);
  return typeof re === 'string' ? [] : names.filter((n) => re.test(n));
};

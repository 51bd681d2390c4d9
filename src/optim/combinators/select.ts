// Choosing parameters by name: a predicate, or regular expressions (a string is a regex source).
export type NameSelector = ((name: string) => boolean) | ReadonlyArray<string | RegExp>;

export const selects = (sel: NameSelector): ((name: string) => boolean) => {
  if (typeof sel === 'function') return sel;
  const res = sel.map((p) => (typeof p === 'string' ? new RegExp(p) : p));
  return (name) => res.some((r) => r.test(name));
};

export const pick = <T>(tree: Readonly<Record<string, T>>, names: readonly string[]): Record<string, T> =>
  Object.fromEntries(names.map((k) => [k, tree[k]]));

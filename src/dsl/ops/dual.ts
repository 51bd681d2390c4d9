// fp-ts style `dual`: `add(a, b)` data-first, or `add(b)` returning `(a) => add(a, b)` for `pipe`.
export function dual2<A, B, R>(f: (a: A, b: B) => R): {
  (a: A, b: B): R;
  (b: B): (a: A) => R;
} {
  return function (this: unknown, ...args: unknown[]) {
    if (args.length >= 2) return f(args[0] as A, args[1] as B);
    return (a: A) => f(a, args[0] as B);
  } as never;
}

// Which modules get a flat buffer of their own: by class, by name pattern, plus explicit overrides (FTS's awp_overrides).
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { ModelSpec, ModuleSpec, SpecProblem } from '../optim/model-spec.js';
import { describeDecodeErrors } from '../optim/model-spec.js';

export interface WrapPolicy {
  /** Module classes to wrap, e.g. `BertLayer`. */
  readonly classes?: readonly string[];
  /** Regular expressions that must match a module's whole name. */
  readonly names?: readonly string[];
  /** Explicit module names: `wrap` always gets a unit, `exclude` never does (it wins over classes and names). */
  readonly overrides?: { readonly wrap?: readonly string[]; readonly exclude?: readonly string[] };
}

const Name = t.refinement(t.string, (s) => s.length > 0, 'non-empty string');

export const WrapPolicyCodec = t.partial({
  classes: t.array(Name),
  names: t.array(t.string),
  overrides: t.partial({ wrap: t.array(Name), exclude: t.array(Name) }),
});

const KNOWN = { '': ['classes', 'names', 'overrides'], overrides: ['wrap', 'exclude'] } as const;

/** Keys io-ts would silently drop: a misspelt `clases` must not mean "wrap nothing". */
const unknownKeys = (raw: unknown): SpecProblem[] => {
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObject(raw)) return [];
  const extra = (obj: Record<string, unknown>, known: readonly string[], at: string): SpecProblem[] =>
    Object.keys(obj)
      .filter((k) => !known.includes(k))
      .map((k) => ({ path: at ? `${at}.${k}` : k, message: `unknown key '${k}' (expected one of ${known.join(', ')})` }));
  return [...extra(raw, KNOWN[''], ''), ...(isObject(raw.overrides) ? extra(raw.overrides, KNOWN.overrides, 'overrides') : [])];
};

/** A pattern that does not compile, or a module both forced and excluded: all reported at once. */
const checkPolicy = (policy: WrapPolicy): SpecProblem[] => {
  const problems: SpecProblem[] = [];
  (policy.names ?? []).forEach((src, i) => {
    try {
      new RegExp(src);
    } catch (e) {
      problems.push({ path: `names[${i}]`, message: `'${src}' is not a regular expression: ${(e as Error).message}` });
    }
  });
  const wrap = new Set(policy.overrides?.wrap ?? []);
  (policy.overrides?.exclude ?? []).forEach((name, i) => {
    if (wrap.has(name)) problems.push({ path: `overrides.exclude[${i}]`, message: `module '${name}' is also in overrides.wrap` });
  });
  return problems;
};

/** Decode an untrusted wrap policy (JSON), or every problem with its path. */
export const decodeWrapPolicy = (raw: unknown): E.Either<SpecProblem[], WrapPolicy> => {
  const extra = unknownKeys(raw);
  return pipe(
    WrapPolicyCodec.decode(raw),
    E.mapLeft((errors) => [...describeDecodeErrors(errors), ...extra]),
    E.chain((policy) => {
      const problems = [...extra, ...checkPolicy(policy)];
      return problems.length ? E.left(problems) : E.right(policy);
    }),
  );
};

/** The policy as one predicate on modules; name patterns are anchored at both ends. */
export const wrapPredicate = (policy: WrapPolicy): ((m: ModuleSpec) => boolean) => {
  const classes = new Set(policy.classes ?? []);
  const patterns = (policy.names ?? []).map((src) => new RegExp(`^(?:${src})$`));
  const wrap = new Set(policy.overrides?.wrap ?? []);
  const exclude = new Set(policy.overrides?.exclude ?? []);
  return (m) => wrap.has(m.name) || (!exclude.has(m.name) && (classes.has(m.class) || patterns.some((p) => p.test(m.name))));
};

/** Entries that name modules the spec lacks: errors for explicit overrides, notices for classes and patterns. */
export const policyAgainstSpec = (spec: ModelSpec, policy: WrapPolicy): { problems: SpecProblem[]; notices: string[] } => {
  const names = new Set(spec.modules.map((m) => m.name));
  const classes = new Set(spec.modules.map((m) => m.class));
  const problems: SpecProblem[] = [];
  for (const key of ['wrap', 'exclude'] as const)
    (policy.overrides?.[key] ?? []).forEach((name, i) => {
      if (!names.has(name)) problems.push({ path: `overrides.${key}[${i}]`, message: `module '${name}' is not in the model` });
    });
  const notices = [
    ...(policy.classes ?? []).filter((c) => !classes.has(c)).map((c) => `class '${c}' matches no module`),
    ...(policy.names ?? []).filter((src) => !spec.modules.some((m) => new RegExp(`^(?:${src})$`).test(m.name))).map((src) => `name pattern '${src}' matches no module`),
  ];
  return { problems, notices };
};

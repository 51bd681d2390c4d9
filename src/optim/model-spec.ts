// A model's structure as data: modules in module order and their parameters with dotted names.
// Every schedule and sharding check runs on this; graft's models produce one, users can write one.
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';

export interface ModuleSpec {
  readonly name: string;
  readonly class: string;
}

export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  /** The name of the module that owns the parameter directly. */
  readonly module: string;
}

export interface ModelSpec {
  readonly modules: readonly ModuleSpec[];
  readonly parameters: readonly ParamSpec[];
}

const Dim = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0, 'non-negative integer');
const Name = t.refinement(t.string, (s) => s.length > 0, 'non-empty string');

export const ModelSpecCodec = t.type({
  modules: t.array(t.type({ name: t.string, class: Name })),
  parameters: t.array(t.type({ name: Name, shape: t.array(Dim), module: t.string })),
});

/** One problem in a decoded file: where (a JSON path like `parameters[3].shape[1]`) and what was expected. */
export interface SpecProblem {
  readonly path: string;
  readonly message: string;
}

const pathOf = (ctx: t.Context): string =>
  ctx
    .slice(1)
    .map((c) => (/^\d+$/.test(c.key) ? `[${c.key}]` : `.${c.key}`))
    .join('')
    .replace(/^\./, '');

/** A decoded value as the file wrote it: JSON, except the numbers JSON has no word for, which only YAML can give (`.inf`, `.nan`). */
export const showValue = (v: unknown): string =>
  typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf') : (JSON.stringify(v)?.slice(0, 60) ?? 'undefined');

/** io-ts errors as path + expectation, one per problem. */
export const describeDecodeErrors = (errors: t.Errors): SpecProblem[] =>
  errors.map((e) => ({
    path: pathOf(e.context) || '(root)',
    message: `expected ${e.context[e.context.length - 1]?.type.name ?? 'a value'}, got ${showValue(e.value)}`,
  }));

/** Structural rules beyond types: unique names, parameters naming existing modules. All reported at once. */
const checkSpec = (spec: ModelSpec): SpecProblem[] => {
  const problems: SpecProblem[] = [];
  const modules = new Map<string, number>();
  spec.modules.forEach((m, i) => {
    if (modules.has(m.name)) problems.push({ path: `modules[${i}].name`, message: `module '${m.name}' repeats modules[${modules.get(m.name)}]` });
    else modules.set(m.name, i);
  });
  const params = new Map<string, number>();
  spec.parameters.forEach((p, i) => {
    if (params.has(p.name)) problems.push({ path: `parameters[${i}].name`, message: `parameter '${p.name}' repeats parameters[${params.get(p.name)}]` });
    else params.set(p.name, i);
    if (!modules.has(p.module)) problems.push({ path: `parameters[${i}].module`, message: `module '${p.module}' of '${p.name}' is not in modules` });
  });
  return problems;
};

/** Decode untrusted JSON into a model spec, or every problem with its path. */
export const decodeModelSpec = (raw: unknown): E.Either<SpecProblem[], ModelSpec> =>
  pipe(
    ModelSpecCodec.decode(raw),
    E.mapLeft(describeDecodeErrors),
    E.chain((spec) => {
      const problems = checkSpec(spec);
      return problems.length ? E.left(problems) : E.right(spec);
    }),
  );

import * as E from 'fp-ts/lib/Either.js';
import type { DType } from './dtype.js';
import type { Shape } from './shape.js';
import { sameShape, showShape } from './shape.js';
import { BuildError, isBuildError } from './errors.js';
import type { Tensor } from './tensor.js';
import { isTensor } from './tensor.js';
import { input } from './ops/create.js';
import { topoOrder } from './graph.js';

export interface InputSpec {
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** A pure function from named inputs to named outputs, as data. */
export interface Program {
  readonly inputs: readonly InputSpec[];
  readonly outputs: Readonly<Record<string, Tensor>>;
}

export type InputDecl = Shape | { readonly shape: Shape; readonly dtype?: DType };
type Inputs<S> = { readonly [K in keyof S]: Tensor };

const specOf = (name: string, decl: InputDecl): InputSpec =>
  Array.isArray(decl) ? { name, shape: decl as Shape, dtype: 'f32' } : { name, shape: (decl as { shape: Shape }).shape, dtype: (decl as { dtype?: DType }).dtype ?? 'f32' };

/**
 * Build a program from declared inputs. Op errors inside `build` come back as `Left`, as do
 * inputs the declaration does not list and outputs that are not tensors.
 */
export const program = <S extends Record<string, InputDecl>>(
  declared: S,
  build: (inputs: Inputs<S>) => Record<string, Tensor>,
): E.Either<BuildError, Program> => {
  try {
    const specs = Object.entries(declared).map(([name, decl]) => specOf(name, decl));
    const tensors = Object.fromEntries(specs.map((s) => [s.name, input(s.name, s.shape, s.dtype)])) as Inputs<S>;
    const outputs = build(tensors);
    const bad = Object.entries(outputs).filter(([, t]) => !isTensor(t)).map(([k]) => k);
    if (bad.length || Object.keys(outputs).length === 0) {
      throw new BuildError('bad-argument', 'program', bad.length ? `outputs ${bad.map((k) => `'${k}'`).join(', ')} are not tensors` : 'a program needs at least one output');
    }
    const declaredTensors = new Set(Object.values(tensors).map((t) => t.id));
    const strays = topoOrder(Object.values(outputs)).filter((t) => t.op.kind === 'input' && !declaredTensors.has(t.id));
    if (strays.length) {
      const names = strays.map((t) => {
        const spec = specs.find((s) => t.op.kind === 'input' && s.name === t.op.name);
        return spec && !(sameShape(spec.shape, t.shape) && spec.dtype === t.dtype)
          ? `'${spec.name}' is declared ${spec.dtype}${showShape(spec.shape)} but used as ${t.dtype}${showShape(t.shape)}`
          : `'${(t.op as { name: string }).name}'`;
      });
      throw new BuildError('unknown-input', 'program', `inputs not in the declaration: ${names.join('; ')}; declared: ${specs.map((s) => s.name).join(', ') || 'none'}`);
    }
    return E.right({ inputs: specs, outputs: Object.freeze({ ...outputs }) });
  } catch (e) {
    if (isBuildError(e)) return E.left(e);
    throw e;
  }
};

// Shared by the autodiff tests: build programs or fail, evaluate in float64, name gradients.
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import type { Feeds, InputDecl, Program, Tensor } from '../../../src/dsl/index.js';
import type { DifferentiableCase } from '../../../props/index.js';

export const build = (decl: Readonly<Record<string, InputDecl>>, f: (inputs: Record<string, Tensor>) => Record<string, Tensor>): Program =>
  E.getOrElseW((e: Error) => assert.fail(e.message))(g.program(decl, f));

export const evaluate = (prog: Program, feeds: Feeds): Record<string, Float64Array> =>
  E.getOrElseW((e: Error) => assert.fail(e.message))(g.interpret(prog, feeds));

/** Gradient outputs are named `d_<input>`. */
export const gradName = (input: string): string => `d_${input}`;

/** A program with the loss and its gradient with respect to every input. */
export const lossAndGrads = (c: DifferentiableCase): Program =>
  build(c.shapes, (xs) => {
    const loss = c.loss(xs);
    const grads = g.grad(loss, xs);
    return { loss, ...Object.fromEntries(Object.entries(grads).map(([k, v]) => [gradName(k), v])) };
  });

/** |got - want| <= tol * (1 + |want|) elementwise; the first violation, described, or undefined. */
export const firstFar = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number): string | undefined => {
  if (got.length !== want.length) return `length ${got.length}, want ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) return `element ${i}: got ${got[i]}, want ${want[i]}`;
  }
  return undefined;
};

/** Assert elementwise closeness (default: float64 rounding only). */
export const assertClose = (got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-12, what = ''): void => {
  const far = firstFar(got, want, tol);
  assert.equal(far, undefined, `${what} ${far}\n got  [${Array.from(got).join(', ')}]\n want [${Array.from(want).join(', ')}]`);
};

/** Evaluate `loss` and its gradients (as `d_<name>`) with respect to the inputs named in `wrt` (default: the f32 ones). */
export const gradsAt = (
  decl: Readonly<Record<string, InputDecl>>,
  loss: (inputs: Record<string, Tensor>) => Tensor,
  feeds: Feeds,
  wrt?: readonly string[],
): Record<string, Float64Array> =>
  evaluate(
    build(decl, (xs) => {
      const l = loss(xs);
      const names = wrt ?? Object.keys(xs).filter((k) => xs[k].dtype === 'f32');
      const grads = g.grad(l, Object.fromEntries(names.map((k) => [k, xs[k]])));
      return { loss: l, ...Object.fromEntries(Object.entries(grads).map(([k, v]) => [gradName(k), v])) };
    }),
    feeds,
  );

// Reverse-mode automatic differentiation, the public face: grad, vjp and valueAndGrad (JAX's names).
// Differentiating builds more graph and computes nothing, so a forward pass, its gradients and an
// optimizer update compile together into one plan.
import { showShape } from '../shape.js';
import { BuildError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { refOf } from '../tensor.js';
import { scalar } from '../ops/create.js';
import { backward } from './backward.js';

const requireF32 = (op: string, role: string, ts: readonly Tensor[]): void => {
  const bad = ts.flatMap((t, k) => (t.dtype === 'f32' ? [] : [k]));
  if (bad.length) {
    throw new BuildError('dtype-mismatch', op, `${role} ${bad.map((k) => `#${k}`).join(', ')} must be f32 (only f32 tensors have gradients), got ${bad.map((k) => ts[k].dtype).join(', ')}`, bad.map((k) => refOf(ts[k])));
  }
};

/**
 * Vector-Jacobian product: for outputs y_i with cotangents c_i, the tensors sum_i c_i . dy_i/dw
 * for each w in `wrt`, each of w's shape. `wrt` may hold inputs or any intermediate tensor; one the
 * outputs do not depend on gets zeros. Throws BuildError (inside `program`, a Left) on
 * mismatched counts, shapes or non-f32 tensors.
 */
export const vjp = (outputs: readonly Tensor[], cotangents: readonly Tensor[], wrt: readonly Tensor[]): Tensor[] => {
  if (outputs.length !== cotangents.length) {
    throw new BuildError('bad-argument', 'vjp', `${outputs.length} outputs but ${cotangents.length} cotangents; give one cotangent per output`);
  }
  requireF32('vjp', 'outputs', outputs);
  requireF32('vjp', 'cotangents', cotangents);
  requireF32('vjp', 'wrt', wrt);
  outputs.forEach((o, k) => {
    const c = cotangents[k];
    if (c.shape.length !== o.shape.length || c.shape.some((d, j) => d !== o.shape[j])) {
      throw new BuildError('shape-mismatch', 'vjp', `cotangent #${k} has shape ${showShape(c.shape)}, output #${k} has ${showShape(o.shape)}`, [refOf(o), refOf(c)]);
    }
  });
  return backward(outputs, cotangents, wrt);
};

/**
 * Gradients of a scalar f32 `loss` with respect to each named tensor, under the same names.
 * Parameters the loss does not depend on get zeros of their shape.
 */
export const grad = <W extends Readonly<Record<string, Tensor>>>(loss: Tensor, wrt: W): { [K in keyof W]: Tensor } => {
  if (loss.dtype !== 'f32') throw new BuildError('dtype-mismatch', 'grad', `loss must be an f32 scalar, got ${loss.dtype}`, [refOf(loss)]);
  if (loss.shape.length !== 0) {
    throw new BuildError('shape-mismatch', 'grad', `loss must be a scalar (shape []), got ${showShape(loss.shape)}; reduce it first (sum or mean)`, [refOf(loss)]);
  }
  const names = Object.keys(wrt);
  const bad = names.filter((n) => wrt[n].dtype !== 'f32');
  if (bad.length) {
    throw new BuildError('dtype-mismatch', 'grad', `only f32 tensors have gradients: ${bad.map((n) => `'${n}' is ${wrt[n].dtype}`).join(', ')}`, bad.map((n) => ({ ...refOf(wrt[n]), label: n })));
  }
  const grads = backward([loss], [scalar(1)], names.map((n) => wrt[n]));
  return Object.fromEntries(names.map((n, k) => [n, grads[k]])) as { [K in keyof W]: Tensor };
};

/**
 * `valueAndGrad(f)(params)` is `[f(params), grad(f(params), params)]`, fp-ts style: build the
 * function once, apply it to the parameters wherever the program is built.
 */
export const valueAndGrad =
  <P extends Readonly<Record<string, Tensor>>>(f: (params: P) => Tensor) =>
  (params: P): readonly [Tensor, { [K in keyof P]: Tensor }] => {
    const value = f(params);
    return [value, grad(value, params)];
  };

// Gradients of random losses against central finite differences, both in float64 through the
// interpreter: an oracle that knows nothing of the VJP rules.
//
// Step and tolerance. The central difference D = (f(x+h) - f(x-h)) / 2h differs from f'(x) by at
// most h^2/6 * max|f'''| (truncation) plus e/h, where e bounds the float64 rounding error of one
// evaluation of f. With h = 2^-17 (~7.6e-6; dyadic, so x ± h is exact for the generator's inputs):
//   truncation <= 1.0e-11 * max|f'''|, and the generator's bounded ops keep |f'''| below ~1e3;
//   rounding   <= e / h, e ~ (1e2 ops) * (|f| <= 1e2) * 2^-53 ~ 1e-12, so ~1.5e-7.
// So |D - f'| stays below ~2e-7 (7e-8 is the worst seen over 3000 cases), and we allow
// 1e-5 * (1 + |f'|), ~50x headroom; a wrong rule (a sign, a factor, a dropped or extra term) is
// off by a sizeable fraction of |f'| on some input.
// Points within MARGIN of a kink or jump are skipped (fc.pre), since x ± h could cross it: with
// slopes of intermediates below ~100, x ± h moves them by < 100 h ~ 7.6e-4 < MARGIN.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { arbDifferentiable, propertyParams, smoothnessMargin } from '../../../props/index.js';
import { build, evaluate, firstFar, gradName, lossAndGrads } from './helpers.js';

const H = 2 ** -17;
const TOL = 1e-5;
const MARGIN = 1e-3;

describe('reverse-mode gradients of random losses', () => {
  it('agree with central finite differences in float64', () => {
    fc.assert(
      fc.property(arbDifferentiable(), (c) => {
        const feeds = Object.fromEntries(Object.entries(c.feeds).map(([k, v]) => [k, Float64Array.from(v)]));
        const lossOnly = build(c.shapes, (xs) => ({ loss: c.loss(xs) }));
        const margin = evaluate(build(c.shapes, (xs) => ({ m: smoothnessMargin(c.loss(xs)) })), feeds).m[0];
        fc.pre(margin > MARGIN);
        const grads = evaluate(lossAndGrads(c), feeds);
        const f = (name: string, i: number, dx: number): number => {
          const x = feeds[name].slice();
          x[i] += dx;
          return evaluate(lossOnly, { ...feeds, [name]: x }).loss[0];
        };
        for (const name of Object.keys(c.shapes)) {
          const fd = Array.from(feeds[name], (_, i) => (f(name, i, H) - f(name, i, -H)) / (2 * H));
          const far = firstFar(grads[gradName(name)], fd, TOL);
          assert.equal(far, undefined, `d loss / d ${name}: ${far}\n${c.recipe.join('\n')}`);
        }
      }),
      propertyParams(300),
    );
  });
});

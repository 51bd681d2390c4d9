import * as g from '../../dsl/index.js';
import type { Tensor } from '../../dsl/index.js';
import type { Transform } from '../transform.js';
import type { ParamTree } from '../tree.js';
import { mapTree } from '../tree.js';
import { checkHyper, positive } from '../validate.js';

/** √(Σ over every tensor of Σ u²): one reduction per tensor, added up. */
export const globalNorm = (tree: ParamTree): Tensor =>
  g.sqrt(Object.values(tree).reduce<Tensor>((acc, u) => g.add(acc, g.sum(g.mul(u, u))), g.scalar(0)));

/** PyTorch's clip_grad_norm_: scale by min(1, max / (‖u‖ + 1e-6)) over the whole tree. */
export const clipByGlobalNorm = (maxNorm: number): Transform<{}> => {
  checkHyper('clipByGlobalNorm', [positive('max norm', maxNorm)]);
  return {
    init: () => ({}),
    update: (updates) => {
      const coef = g.minimum(g.div(maxNorm, g.add(globalNorm(updates), 1e-6)), 1);
      return [mapTree(updates, (u) => g.mul(u, coef)), {}];
    },
  };
};

/** Each tensor on its own: min(1, max / (‖u‖ + 1e-6)) (the Fisher pass clips this way). */
export const clipEachByNorm = (tree: ParamTree, maxNorm: number): ParamTree =>
  mapTree(tree, (u) => g.mul(u, g.minimum(g.div(maxNorm, g.add(g.sqrt(g.sum(g.mul(u, u))), 1e-6)), 1)));

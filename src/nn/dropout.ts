// Inverted dropout from the counter generator: each element is kept with probability 1 - p and
// scaled by 1/(1 - p) while training; evaluation is the identity.
//
// The mask is a pure function of (key, site, global element index): the step's key (ctx.key, a
// static key or an i32 scalar input), the dropout site's own range of counters (site·2^29, so the
// 128 sites of a model never share a draw), and the element's index in the unsharded batch
// (ctx.rowOffset rows in), so a data-parallel shard draws exactly its rows of the full mask.
import * as g from '../dsl/index.js';
import type { Tensor } from '../dsl/index.js';
import type { Ctx, Layer } from './layer.js';
import { layer } from './layer.js';

export const SITE_STRIDE = 2 ** 29;
export const MAX_SITES = 128;

/** Functional dropout at `site` over x, whose first axis is the batch. */
export const dropoutForward = (x: Tensor, p: number, site: number, ctx: Ctx): Tensor => {
  if (!(p >= 0 && p <= 1)) throw new g.BuildError('bad-argument', 'dropout', `p ${p} must lie in [0, 1]`);
  if (!ctx.training || p === 0) return x;
  if (p === 1) return g.mul(x, 0);
  if (ctx.key === undefined) throw new g.BuildError('bad-argument', 'dropout', 'training needs ctx.key (randomKey(seed, step) or an i32 scalar input)');
  if (!Number.isInteger(site) || site < 0 || site >= MAX_SITES) throw new g.BuildError('bad-argument', 'dropout', `site ${site} must be an integer in [0, ${MAX_SITES})`);
  const size = x.shape.reduce((a, b) => a * b, 1);
  const perRow = x.shape.length ? size / (x.shape[0] || 1) : size;
  const start = (ctx.rowOffset ?? 0) * perRow;
  if (start + size > SITE_STRIDE) throw new g.BuildError('too-large', 'dropout', `rows up to ${start + size} elements exceed a site's ${SITE_STRIDE} counters`);
  const keep = g.bernoulli(ctx.key, 1 - p, x.shape, { offset: site * SITE_STRIDE + start });
  return g.where(keep, g.mul(x, 1 / (1 - p)), 0);
};

/** A Dropout module (no parameters) at a fixed site; each dropout of a model takes its own site. */
export const dropout = (name: string, p: number, site: number): Layer => layer(name, 'Dropout', {}, (_, x, ctx) => dropoutForward(x, p, site, ctx));

// How an index space of any size maps onto WebGPU's workgroup grid: WebGPU dispatches at most
// 65535 workgroups per dimension, so larger spaces fold into rows of a 2-D grid and the shader
// rebuilds the flat index (threads past the end return at once).

export const WORKGROUP_SIZE = 64;
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

export interface Dispatch {
  /** Workgroups along x and y. */
  readonly x: number;
  readonly y: number;
  /** Along z (tiled matmuls: batch entries); 1 when absent. */
  readonly z?: number;
}

/** A 2-D grid of `groups` workgroups (x × y ≥ groups), or undefined when it exceeds the device's. */
export const gridFor = (groups: number, maxPerDimension = MAX_WORKGROUPS_PER_DIMENSION): Dispatch | undefined => {
  if (groups === 0) return { x: 0, y: 0 };
  const x = Math.min(groups, maxPerDimension);
  const y = Math.ceil(groups / x);
  return y > maxPerDimension ? undefined : { x, y };
};

/** The workgroup grid covering `size` elements (0 × 0 when there is nothing to run). */
export const dispatchFor = (size: number, maxPerDimension = MAX_WORKGROUPS_PER_DIMENSION): Dispatch => {
  const groups = Math.ceil(size / WORKGROUP_SIZE);
  const grid = gridFor(groups, maxPerDimension);
  if (!grid) throw new RangeError(`an index space of ${size} elements needs ${groups} workgroups, over ${maxPerDimension}² (WebGPU's 2-D grid)`);
  return grid;
};

/** WGSL statements that set `index` (u32) for this thread of a dispatch over `x` columns, returning past `size`. */
export const flatIndex = (x: number, size: number): string =>
  `let index = (wg.y * ${x}u + wg.x) * ${WORKGROUP_SIZE}u + lid.x;\n  if (index >= ${size}u) { return; }`;

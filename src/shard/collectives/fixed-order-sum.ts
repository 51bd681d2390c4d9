// The one summation order of graft's reductions: a balanced binary tree over contributions in index order, split at
// floor(n / 2). When M micro-batches are cut into W equal contiguous blocks (W a power of two dividing M), every block
// is a subtree, so treeSum(blocks' treeSums) === treeSum(all M) bit for bit: the result does not depend on W.

/** out[i] = tree sum of parts[k][i] over k, each addition rounded to float32; parts may be views into shared memory. */
export const treeSumInto = (out: Float32Array, parts: readonly Float32Array[]): Float32Array => {
  if (parts.length === 0) throw new Error('treeSum of no contributions');
  if (parts.length === 1) {
    out.set(parts[0].subarray(0, out.length));
    return out;
  }
  if (parts.length === 2) {
    // the leaf pair, without the temporary the general case needs
    const [a, b] = parts;
    for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i];
    return out;
  }
  const mid = Math.floor(parts.length / 2);
  const right = treeSumInto(new Float32Array(out.length), parts.slice(mid));
  treeSumInto(out, parts.slice(0, mid));
  // a JS add of two float32 values rounded back to float32 is exactly the IEEE float32 add
  for (let i = 0; i < out.length; i++) out[i] += right[i];
  return out;
};

/** The tree sum of equally long contributions, as a new array. */
export const treeSum = (parts: readonly Float32Array[]): Float32Array => treeSumInto(new Float32Array(parts.length ? parts[0].length : 0), parts);

/** True when W contiguous blocks of M micro-batches are subtrees of treeSum's tree, so sharded sums equal unsharded ones. */
export const sumIsShardInvariant = (microBatches: number, worldSize: number): boolean => {
  const isPowerOfTwo = (n: number) => Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
  return isPowerOfTwo(worldSize) && Number.isInteger(microBatches) && microBatches % worldSize === 0;
};

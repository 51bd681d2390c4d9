// A program the JIT page compiles in the browser with graft's browser bundle, and the test compiles
// in Node from the sources: given graft's namespace, an SGD-like step with tanh and a reduction.
export const SIZE = 4099;

export const jitProgram = (g) => g.program({ p: [SIZE], grad: [SIZE], lr: [] }, ({ p, grad, lr }) => ({ p: g.sub(p, g.mul(g.tanh(grad), lr)), n: g.sum(g.mul(p, p)) }));

export const jitFeeds = () => ({
  p: Float32Array.from({ length: SIZE }, (_, i) => Math.sin(i)),
  grad: Float32Array.from({ length: SIZE }, (_, i) => Math.cos(3 * i)),
  lr: 0.125,
});

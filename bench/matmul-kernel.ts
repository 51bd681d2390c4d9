// One tiled matmul kernel (a·b with either factor transposed) rendered alone on a fresh heap, for the
// benches that look inside it (matmul-parts.ts times its parts, matmul-disasm.ts prints V8's code for it).
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../src/dsl/index.js';
import { compile } from '../src/compiler/index.js';
import { renderWasm } from '../src/compiler/wasm/render.js';
import { WasmHeap } from '../src/runtime/wasm/heap.js';

/** nn: a·b, nt: a·bᵀ, tn: aᵀ·b, at m×k times k×n. */
export const tiledMatmulKernel = (layout: string, m: number, k: number, n: number, fma: boolean) => {
  const right = <A>(x: E.Either<Error, A>): A => E.getOrElseW((e: Error) => { throw e; })(x);
  const shapes = { a: layout === 'tn' ? [k, m] : [m, k], b: layout === 'nt' ? [n, k] : [k, n] };
  const prog = right(g.program(shapes, ({ a, b }) => ({ y: g.matmul(layout === 'tn' ? g.transpose(a) : a, layout === 'nt' ? g.transpose(b) : b) })));
  const plan = compile(prog);
  const kernel = plan.kernelIR!.find((x) => x.tiling)!;
  const heap = new WasmHeap(4096, 64);
  const addrs = kernel.params.map((b) => heap.alloc(plan.buffers[b].size * 4, `buffer ${b}`));
  const rendered = renderWasm(kernel, { maxPages: 4096, fma });
  // a tiled kernel takes its scratch block last (a zeroed unit counter, then packed panels)
  const scratch = rendered.scratch ? [heap.alloc(rendered.scratch, 'scratch')] : [];
  return { kernel, heap, addrs, rendered, scratch };
};

// @tensorflow/tfjs with its wasm backend (XNNPACK, SIMD build), loaded on first use so other suites never load it.
// Threads: setThreadsCount(2) is asked for, but tfjs-backend-wasm 4.22 reports WASM_HAS_MULTITHREAD_SUPPORT = false
// whenever it runs in Node (tfjs issue 3830) and so loads the single-threaded SIMD binary; forcing the flag on fails
// (its pthread workers are blob: URLs, which Node's Worker refuses). getThreadsCount() says what really ran.
import type * as TF from '@tensorflow/tfjs';

export interface Tfjs {
  readonly tf: typeof TF;
  readonly threads: number;
  readonly simd: boolean;
  readonly version: string;
}

let loading: Promise<Tfjs> | undefined;

export const loadTfjs = (): Promise<Tfjs> =>
  (loading ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setThreadsCount(2);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialise');
    await tf.ready();
    return { tf, threads: wasm.getThreadsCount(), simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')), version: tf.version.tfjs };
  })());

export const tfjsExecutor = (t: Tfjs): string => `wasm${t.simd ? '-simd' : ''}-${t.threads}t`;

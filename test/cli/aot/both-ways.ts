// Shared by the ahead-of-time module tests: a module written to a file and imported as a user would,
// and an optimizer step (buildStep) run through the module and through a JIT runtime side by side,
// every output compared bit for bit.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { compile } from '../../../src/compiler/index.js';
import type { StepPrograms } from '../../../src/optim/index.js';
import type { Runtime } from '../../../src/runtime/index.js';

export type Values = Record<string, Float32Array>;
type Ran = Promise<{ _tag: string; left?: Error; right?: Values }>;
export interface LoadedModule {
  host: { backend: string; adapter?: string; webgpuUnused?: string; wasmUnused?: string; threads: number };
  programs: Record<string, { run(f: Record<string, unknown>): Ran; loop(spec: unknown): { run(f: Record<string, unknown>): Ran } }>;
  destroy(): void;
}

export const values = (n: number, seed: number, scale = 1): Float32Array => Float32Array.from({ length: n }, (_, i) => scale * Math.sin(seed * 7919 + i * 12.9898));
export const right = <T>(e: E.Either<Error, T>): T => (E.isRight(e) ? e.right : assert.fail(e.left.message));
export const bits = (v: Float32Array) => [...new Uint32Array(v.buffer, v.byteOffset, v.length)];

/** Writes the module's code to `dir/file` and imports it: the module, not the sources it came from. */
export const importModule = async (dir: string, file: string, code: string): Promise<{ load(o?: object): Promise<LoadedModule> }> => {
  writeFileSync(join(dir, file), code);
  return import(pathToFileURL(join(dir, file)).href);
};

/** Runs init then `steps` steps of a buildStep program both ways, feeding each one's params and state into the next; compares every output's bits. The JIT's final state. */
export const stepBothWays = async (aot: LoadedModule, rt: Runtime, name: string, programs: StepPrograms, fresh: (s: number) => Values, steps: number): Promise<Values> => {
  const init = programs.init!;
  const params: Values = Object.fromEntries(init.inputs.map((s, k) => [s.name, values(s.shape.reduce((a, b) => a * b, 1), k + 1, 0.1)]));
  const jitInit = rt.load(compile(init));
  const jitStep = rt.load(compile(programs.step));
  const fixed = Object.fromEntries(Object.entries(programs.fixed).map(([k, f]) => [k, f.values]));
  const aotInit = await aot.programs[`${name}.init`].run(params);
  let jitState: Values = { ...params, ...right(await jitInit.run(params)) };
  assert.equal(aotInit._tag, 'Right', aotInit.left?.message);
  for (const k of Object.keys(jitState)) assert.deepEqual(bits({ ...params, ...aotInit.right! }[k]), bits(jitState[k]), `init: output '${k}' differs`);
  let aotState: Values = { ...params, ...aotInit.right! };
  const carried = programs.step.inputs.map((s) => s.name).filter((n) => n.startsWith('p:') || n.startsWith('s:'));
  for (let s = 0; s < steps; s++) {
    const batch = fresh(s);
    const jit = right(await jitStep.run({ ...fixed, ...batch, ...Object.fromEntries(carried.map((n) => [n, jitState[n]])) }));
    const ran = await aot.programs[`${name}.step`].run({ ...batch, ...Object.fromEntries(carried.map((n) => [n, aotState[n]])) });
    assert.equal(ran._tag, 'Right', ran.left?.message);
    assert.deepEqual(Object.keys(ran.right!).sort(), Object.keys(jit).sort());
    for (const k of Object.keys(jit)) assert.deepEqual(bits(ran.right![k]), bits(jit[k]), `step ${s}: output '${k}' differs`);
    jitState = { ...jitState, ...jit };
    aotState = { ...aotState, ...ran.right! };
  }
  return jitState;
};

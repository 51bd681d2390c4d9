// GRAFT_FMA / the fma option: off unless asked, the option over the environment, a bad value named.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FMA_ENV, createWasmRuntime, fmaRequested } from '../../../src/runtime/wasm/runtime.js';
import { relaxedSimdProbe } from '../../../src/compiler/wasm/probe.js';

const REPORT = { requested: 'wasm', backend: 'wasm' } as const;

const withEnv = <T>(value: string | undefined, f: () => T): T => {
  const before = process.env[FMA_ENV];
  if (value === undefined) delete process.env[FMA_ENV];
  else process.env[FMA_ENV] = value;
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env[FMA_ENV];
    else process.env[FMA_ENV] = before;
  }
};

describe('fma request', () => {
  it('is off by default, on with GRAFT_FMA=1, and the option wins over the environment', () => {
    assert.equal(withEnv(undefined, () => fmaRequested(undefined)), false);
    assert.equal(withEnv('0', () => fmaRequested(undefined)), false);
    assert.equal(withEnv('1', () => fmaRequested(undefined)), true);
    assert.equal(withEnv('1', () => fmaRequested(false)), false);
    assert.equal(withEnv(undefined, () => fmaRequested(true)), true);
  });
  it('a value other than 0 or 1 is an error naming the variable and the value', () => {
    assert.throws(() => withEnv('yes', () => fmaRequested(undefined)), /\$GRAFT_FMA: 'yes' is not 0 or 1/);
  });
  it('asked for where the engine has no relaxed-simd: an error saying how to get it, not silently off', (t) => {
    if (WebAssembly.validate(relaxedSimdProbe())) return t.skip('this engine has relaxed-simd (Node 22+, or the flag)');
    assert.throws(() => createWasmRuntime(REPORT, { threads: 1, fma: true }), /FMA was asked for \(the fma option\) but this engine has no relaxed-simd \(Node 20: run node with --experimental-wasm-relaxed-simd/);
    assert.throws(() => withEnv('1', () => createWasmRuntime(REPORT, { threads: 1 })), /\$GRAFT_FMA=1/);
  });
});

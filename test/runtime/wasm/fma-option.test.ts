// GRAFT_FMA / the fma option: off unless asked, the option over the environment, a bad value named.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FMA_ENV, fmaRequested } from '../../../src/runtime/wasm/runtime.js';

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
});

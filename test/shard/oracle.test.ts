import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { arbShardCase, disjointnessLaws, disjointnessOracle, propertyParams } from '../../props/index.js';

describe('disjointness validator against a brute-force oracle', () => {
  it('accepts exactly when no unit spans two phases (unscheduled counts), no module splits and phase 0 has a wrapped unit', () => {
    fc.assert(fc.property(arbShardCase, (c) => assert.deepEqual(disjointnessLaws(c), [])), propertyParams(1000));
  });

  it('the generator reaches both verdicts in both modes, and every kind of rejection', () => {
    // a law that only ever sees rejections would pass a validator that rejects everything
    const cases = fc.sample(arbShardCase, { ...propertyParams(600), numRuns: 600 });
    const verdicts = cases.map((c) => ({ flat: disjointnessOracle(c, 'flat'), perParam: disjointnessOracle(c, 'per-parameter') }));
    const count = (f: (v: (typeof verdicts)[number]) => boolean) => verdicts.filter(f).length;
    assert.ok(count((v) => v.flat.ok) >= 30, `flat accepted ${count((v) => v.flat.ok)} of 600`);
    assert.ok(count((v) => v.perParam.ok && !v.flat.ok) >= 15, 'per-parameter accepts what flat rejects');
    assert.ok(count((v) => v.flat.splitModules.length > 0) >= 15, 'module splits');
    assert.ok(count((v) => v.flat.spanning.length > 0 && v.flat.splitModules.length === 0) >= 15, 'spans without module splits');
    assert.ok(count((v) => !v.flat.phase0Wrapped) >= 15, 'phase 0 without a wrapped unit');
  });
});

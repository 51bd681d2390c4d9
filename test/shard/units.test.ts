import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flatUnits, unitIndex } from '../../src/shard/index.js';
import { TINY } from './spec.js';

const summary = (policy: Parameters<typeof flatUnits>[1]) => flatUnits(TINY, policy).map((u) => ({ name: u.name, class: u.class, params: u.params }));

describe('flat units', () => {
  it('wrapping nothing puts every parameter in the root unit, in module order then spec order', () => {
    const [root, ...rest] = flatUnits(TINY, {});
    assert.deepEqual(rest, []);
    assert.deepEqual(root, {
      name: '',
      class: 'root',
      params: ['temperature', 'enc.block.scale', 'enc.block.attn.w', 'enc.block.attn.b', 'enc.block.mlp.w', 'enc.norm.w', 'head.w', 'head.b'],
      size: 1 + 1 + 9 + 3 + 9 + 3 + 6 + 2,
    });
  });

  it('a parameter belongs to the innermost wrapped module around its owner', () => {
    assert.deepEqual(summary({ classes: ['Encoder', 'Block', 'Attn'] }), [
      { name: '', class: 'root', params: ['temperature', 'head.w', 'head.b'] },
      { name: 'enc', class: 'Encoder', params: ['enc.norm.w'] },
      // mlp is not wrapped, so its weight falls to the block around it, beside the block's own scale
      { name: 'enc.block', class: 'Block', params: ['enc.block.scale', 'enc.block.mlp.w'] },
      { name: 'enc.block.attn', class: 'Attn', params: ['enc.block.attn.w', 'enc.block.attn.b'] },
    ]);
  });

  it('containment is by dotted segments: wrapping "enc.block" does not take "enc.blockade"', () => {
    const spec = { modules: [...TINY.modules, { name: 'enc.blockade', class: 'X' }], parameters: [...TINY.parameters, { name: 'enc.blockade.w', shape: [1], module: 'enc.blockade' }] };
    const units = flatUnits(spec, { names: ['enc\\.block'] });
    assert.equal(unitIndex(units).get('enc.blockade.w')!.name, '');
    assert.equal(unitIndex(units).get('enc.block.attn.w')!.name, 'enc.block');
  });

  it('overrides: force-wrap a module the policy misses, keep a matched one in its parent', () => {
    assert.deepEqual(summary({ classes: ['Linear'], overrides: { wrap: ['enc.norm'], exclude: ['enc.block.mlp'] } }), [
      { name: '', class: 'root', params: ['temperature', 'enc.block.scale', 'enc.block.attn.w', 'enc.block.attn.b', 'enc.block.mlp.w'] },
      { name: 'enc.norm', class: 'Norm', params: ['enc.norm.w'] },
      { name: 'head', class: 'Linear', params: ['head.w', 'head.b'] },
    ]);
  });

  it('a wrapped module whose parameters all went to inner units is an empty unit; the root module is always the root unit', () => {
    const units = flatUnits(TINY, { classes: ['Net', 'Encoder', 'Attn', 'Linear', 'Norm'], names: ['enc\\.block'] });
    assert.deepEqual(units.map((u) => [u.name, u.params.length, u.size]), [['', 1, 1], ['enc', 0, 0], ['enc.block', 1, 1], ['enc.block.attn', 2, 12], ['enc.block.mlp', 1, 9], ['enc.norm', 1, 3], ['head', 2, 8]]);
  });

  it('every parameter is in exactly one unit', () => {
    const units = flatUnits(TINY, { classes: ['Block', 'Linear'] });
    assert.deepEqual(units.flatMap((u) => u.params).sort(), TINY.parameters.map((p) => p.name).sort());
    assert.equal(units.reduce((s, u) => s + u.size, 0), 34);
  });
});

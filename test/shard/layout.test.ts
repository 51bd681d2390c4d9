import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import type { Unit, UnitLayout } from '../../src/shard/index.js';
import { describeLayout, flatUnits, numel, pieceKind, shapesOf, shardLayout, unitLayout } from '../../src/shard/index.js';
import { layoutLaws, propertyParams } from '../../props/index.js';
import { TINY } from './spec.js';

const SHAPES = { a: [5], b: [2, 2], c: [3] };
const UNIT: Unit = { name: 'blk', class: 'Block', params: ['a', 'b', 'c'], size: 12 };
const layoutOf = (unit: Unit, shapes: Record<string, number[]>, W: number): UnitLayout => E.getOrElseW((ps: unknown) => assert.fail(JSON.stringify(ps)))(unitLayout(unit, shapes, W));

describe('flat layout of one unit', () => {
  it('offsets follow flat order; chunk is ceil(N / W); the end is zero-padded', () => {
    const l = layoutOf(UNIT, SHAPES, 5);
    assert.deepEqual(l.params.map((p) => [p.name, p.offset, p.size]), [['a', 0, 5], ['b', 5, 4], ['c', 9, 3]]);
    assert.deepEqual([l.numel, l.chunk, l.padding], [12, 3, 3]);
    assert.deepEqual(l.ranks.map((r) => [r.start, r.end, r.padding]), [[0, 3, 0], [3, 6, 0], [6, 9, 0], [9, 12, 0], [12, 12, 3]]);
  });

  it('a parameter lies wholly, partly or not at all on a rank; pieces are in the parameter\'s own coordinates', () => {
    const l = layoutOf(UNIT, SHAPES, 5);
    const [a, b, c] = l.params;
    assert.deepEqual(a.pieces.map((p) => [p.start, p.end, p.at]), [[0, 3, 0], [3, 5, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]);
    assert.deepEqual(b.pieces.map((p) => [p.start, p.end, p.at]), [[0, 0, 0], [0, 1, 2], [1, 4, 0], [0, 0, 0], [0, 0, 0]]);
    assert.deepEqual(c.pieces.map((p) => pieceKind(c, p)), ['none', 'none', 'none', 'whole', 'none']);
    assert.deepEqual(b.pieces.map((p) => pieceKind(b, p)), ['none', 'partial', 'partial', 'none', 'none']);
    assert.deepEqual(l.ranks.map((r) => r.params), [['a'], ['a', 'b'], ['b'], ['c'], []]);
  });

  it('one rank holds everything; more ranks than elements leave whole ranks of padding', () => {
    const one = layoutOf(UNIT, SHAPES, 1);
    assert.deepEqual([one.chunk, one.padding, one.params.every((s) => pieceKind(s, s.pieces[0]) === 'whole')], [12, 0, true]);
    const many = layoutOf({ ...UNIT, params: ['c'], size: 3 }, SHAPES, 4);
    assert.deepEqual(many.ranks.map((r) => [r.start, r.end, r.padding]), [[0, 1, 0], [1, 2, 0], [2, 3, 0], [3, 3, 1]]);
  });

  it('an empty unit has an empty chunk and no padding', () => {
    const l = layoutOf({ name: 'e', class: 'E', params: [], size: 0 }, SHAPES, 3);
    assert.deepEqual([l.numel, l.chunk, l.padding, l.ranks.length], [0, 0, 0, 3]);
  });

  it('a bad world size and parameters without shapes are all reported', () => {
    const r = unitLayout({ ...UNIT, params: ['a', 'x', 'y'] }, SHAPES, 0);
    assert.ok(E.isLeft(r));
    assert.deepEqual(r.left.map((p) => p.path), ['worldSize', 'shapes.x', 'shapes.y']);
    assert.match(r.left[0].message, /world size 0 must be an integer >= 1/);
    assert.ok(E.isLeft(unitLayout(UNIT, SHAPES, 2.5)));
  });

  it('shardLayout lays out every unit of a model, or reports a bad world size once', () => {
    const units = flatUnits(TINY, { classes: ['Block'] });
    const all = E.getOrElseW(() => assert.fail('layout'))(shardLayout(units, shapesOf(TINY), 4));
    assert.deepEqual(all.map((l) => [l.unit, l.numel, l.chunk, l.padding]), [['', 12, 3, 0], ['enc.block', 22, 6, 2]]);
    const bad = shardLayout(units, shapesOf(TINY), -1);
    assert.ok(E.isLeft(bad) && bad.left.length === 1);
  });

  it('describeLayout names the unit, each parameter\'s span and pieces, and each rank', () => {
    const text = describeLayout(layoutOf(UNIT, SHAPES, 5));
    assert.match(text, /^'blk' \(Block\): 12 elements over 5 ranks, chunk 3, padding 3/);
    assert.match(text, /a  \[5\]\s+flat \[0, 5\)  r0 \[0, 3\) r1 \[3, 5\)/);
    assert.match(text, /c  \[3\]\s+flat \[9, 12\)  whole on rank 3/);
    assert.match(text, /rank 4: \[12, 12\) \+ 3 padding  0 parameters/);
  });
});

describe('flat layout laws', () => {
  it('the ranks\' pieces tile [0, N) exactly, in order, and padding < W', () => {
    const shape = fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 3 });
    fc.assert(
      fc.property(fc.array(shape, { maxLength: 8 }), fc.integer({ min: 1, max: 12 }), (shapes, W) => {
        const named = Object.fromEntries(shapes.map((s, i) => [`p${i}`, s]));
        const unit = { name: 'u', class: 'U', params: Object.keys(named), size: shapes.reduce((n, s) => n + numel(s), 0) };
        const l = layoutOf(unit, named, W);
        assert.deepEqual(layoutLaws(l), []);
        // each parameter, read back rank by rank, is itself whole and in order
        for (const s of l.params) {
          const held = s.pieces.filter((p) => p.end > p.start);
          assert.equal(held.reduce((at, p) => (p.start === at ? p.end : NaN), 0), s.size, s.name);
        }
      }),
      propertyParams(300),
    );
  });
});

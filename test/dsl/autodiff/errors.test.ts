// How differentiation fails: as a BuildError naming the op and the tensors (a Left inside
// `program`), never a crash; and what it gives for parameters the loss does not use.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import type { BuildError, Program, Tensor } from '../../../src/dsl/index.js';
import { evaluate, build } from './helpers.js';

const leftOf = (built: E.Either<BuildError, Program>): BuildError => {
  assert.ok(E.isLeft(built), 'expected a Left(BuildError)');
  assert.ok(g.isBuildError(built.left));
  return built.left;
};

const expectError = (built: E.Either<BuildError, Program>, kind: BuildError['kind'], op: string, mentions: readonly string[]): void => {
  const err = leftOf(built);
  assert.equal(err.kind, kind, err.message);
  assert.equal(err.op, op, err.message);
  for (const m of mentions) assert.ok(err.message.includes(m), `message should mention ${JSON.stringify(m)}: ${err.message}`);
};

describe('grad errors', () => {
  it('a non-scalar loss', () => {
    expectError(g.program({ x: [2, 3] }, ({ x }) => g.grad(g.sum(x, { axes: 0 }), { x })), 'shape-mismatch', 'grad', ['scalar', '[3]', 'sum or mean']);
  });

  it('a loss that is not f32', () => {
    expectError(g.program({ x: [3] }, ({ x }) => g.grad(g.sum(g.cast(x, 'i32')), { x })), 'dtype-mismatch', 'grad', ['f32', 'i32']);
  });

  it('a wrt tensor that is not f32, named', () => {
    const decl = { x: [3], ix: { shape: [3], dtype: 'i32' as const } };
    const err = leftOf(g.program(decl, ({ x, ix }) => g.grad(g.sum(g.mul(x, g.cast(ix, 'f32'))), { x, ix })));
    assert.equal(err.kind, 'dtype-mismatch');
    assert.match(err.message, /'ix' is i32/);
    assert.deepEqual(err.tensors.map((t) => t.label), ['ix']);
  });

  it('valueAndGrad reports the same errors', () => {
    const f = g.valueAndGrad(({ x }: { x: Tensor }) => g.mul(x, 2));
    expectError(g.program({ x: [4] }, ({ x }) => ({ v: f({ x })[0] })), 'shape-mismatch', 'grad', ['[4]']);
  });
});

describe('parameters the loss does not depend on', () => {
  it('get zeros of their own shape: declared but unused, outside the graph, or behind an i32 cast', () => {
    const stranger = g.input('stranger', [4, 1]);
    const prog = build({ x: [3], unused: [2, 3] }, ({ x, unused }) => {
      const behindCast = g.exp(x);
      const loss = g.sum(g.add(g.cast(g.cast(behindCast, 'i32'), 'f32'), g.mul(x, 0)));
      const d = g.grad(loss, { unused, stranger, behindCast });
      return { du: d.unused, ds: d.stranger, dc: d.behindCast };
    });
    const got = evaluate(prog, { x: [1, 2, 3], unused: new Array(6).fill(1) });
    assert.deepEqual([...got.du], new Array(6).fill(0));
    assert.deepEqual([...got.ds], new Array(4).fill(0));
    assert.deepEqual([...got.dc], new Array(3).fill(0));
    assert.deepEqual(prog.outputs.du.shape, [2, 3]);
    assert.deepEqual(prog.outputs.ds.shape, [4, 1]);
  });
});

describe('vjp errors', () => {
  it('a cotangent count that differs from the output count', () => {
    expectError(g.program({ x: [3] }, ({ x }) => ({ d: g.vjp([x, g.neg(x)], [x], [x])[0] })), 'bad-argument', 'vjp', ['2 outputs but 1 cotangents']);
  });

  it('a cotangent of the wrong shape', () => {
    expectError(g.program({ x: [3], c: [1, 3] }, ({ x, c }) => ({ d: g.vjp([g.neg(x)], [c], [x])[0] })), 'shape-mismatch', 'vjp', ['[1, 3]', '[3]']);
  });

  it('an output or cotangent that is not f32', () => {
    expectError(g.program({ x: [3], c: { shape: [3], dtype: 'i32' } }, ({ x, c }) => ({ d: g.vjp([x], [c], [x])[0] })), 'dtype-mismatch', 'vjp', ['cotangents #0', 'i32']);
    expectError(g.program({ x: [3] }, ({ x }) => ({ d: g.vjp([g.gt(x, 0)], [x], [x])[0] })), 'dtype-mismatch', 'vjp', ['outputs #0', 'bool']);
  });
});

describe('iota errors', () => {
  it('an axis out of range, a scalar shape, a bool dtype', () => {
    expectError(g.program({ x: [1] }, () => ({ o: g.iota([2, 3], 2) })), 'bad-axis', 'iota', ['axis 2', '[2, 3]']);
    expectError(g.program({ x: [1] }, () => ({ o: g.iota([], 0) })), 'bad-axis', 'iota', ['rank 0']);
    expectError(g.program({ x: [1] }, () => ({ o: g.iota([2], 0, 'bool') })), 'dtype-mismatch', 'iota', ['bool']);
  });

  it('a negative axis counts from the end', () => {
    const got = evaluate(build({ x: [1] }, () => ({ o: g.iota([2, 3], -2) })), { x: [0] }).o;
    assert.deepEqual([...got], [0, 0, 0, 1, 1, 1]);
  });
});

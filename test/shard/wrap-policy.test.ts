import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { decodeWrapPolicy, policyAgainstSpec, wrapPredicate } from '../../src/shard/index.js';
import { TINY } from './spec.js';

const problemsOf = (raw: unknown) => {
  const r = decodeWrapPolicy(raw);
  assert.ok(E.isLeft(r), 'expected problems');
  return r.left;
};

describe('wrap policy decoding', () => {
  it('accepts every field, and an empty policy (wrap nothing)', () => {
    const raw = { classes: ['Block'], names: ['enc\\.norm', 'head'], overrides: { wrap: ['enc'], exclude: ['enc.block.attn'] } };
    assert.deepEqual(decodeWrapPolicy(raw), E.right(raw));
    assert.deepEqual(decodeWrapPolicy({}), E.right({}));
  });

  it('reports every type problem with its path, at once', () => {
    const problems = problemsOf({ classes: ['Block', 3], names: 'head', overrides: { wrap: [''], exclude: [null] } });
    assert.deepEqual(problems.map((p) => p.path).sort(), ['classes[1]', 'names', 'overrides.exclude[0]', 'overrides.wrap[0]']);
    assert.match(problems.find((p) => p.path === 'classes[1]')!.message, /got 3/);
  });

  it('a misspelt key is a problem, not a silent "wrap nothing"', () => {
    const problems = problemsOf({ clases: ['Block'], overrides: { warp: ['head'] } });
    assert.deepEqual(problems.map((p) => p.path), ['clases', 'overrides.warp']);
    assert.match(problems[0].message, /unknown key 'clases' \(expected one of classes, names, overrides\)/);
  });

  it('patterns that do not compile and modules both forced and excluded, together', () => {
    const problems = problemsOf({ names: ['ok', 'enc.(block', '[z-a]'], overrides: { wrap: ['head'], exclude: ['enc', 'head'] } });
    assert.deepEqual(problems.map((p) => p.path), ['names[1]', 'names[2]', 'overrides.exclude[1]']);
    assert.match(problems[0].message, /'enc\.\(block' is not a regular expression/);
    assert.match(problems[2].message, /module 'head' is also in overrides\.wrap/);
  });

  it('a non-object is one problem at the root', () => {
    assert.deepEqual(problemsOf(['Block']).map((p) => p.path), ['(root)']);
  });
});

describe('wrap predicate', () => {
  const wraps = (policy: Parameters<typeof wrapPredicate>[0]) => TINY.modules.filter(wrapPredicate(policy)).map((m) => m.name);

  it('name patterns match the whole name, not a prefix (unlike schedule entries)', () => {
    assert.deepEqual(wraps({ names: ['enc'] }), ['enc']);
    assert.deepEqual(wraps({ names: ['enc\\.block.*'] }), ['enc.block', 'enc.block.attn', 'enc.block.mlp']);
  });

  it('classes, plus forced modules; exclude beats classes and names but not an explicit wrap', () => {
    assert.deepEqual(wraps({ classes: ['Linear'] }), ['enc.block.mlp', 'head']);
    assert.deepEqual(wraps({ classes: ['Linear'], overrides: { exclude: ['head'], wrap: ['enc.norm'] } }), ['enc.block.mlp', 'enc.norm']);
    assert.deepEqual(wraps({ names: ['head'], overrides: { exclude: ['head'] } }), []);
  });
});

describe('wrap policy against a model', () => {
  it('overrides naming missing modules are errors with paths; classes and patterns that match nothing are notices', () => {
    const { problems, notices } = policyAgainstSpec(TINY, { classes: ['Block', 'BertLayer'], names: ['nope\\..*'], overrides: { wrap: ['head', 'heads'], exclude: ['enc.blok'] } });
    assert.deepEqual(problems, [
      { path: 'overrides.wrap[1]', message: "module 'heads' is not in the model" },
      { path: 'overrides.exclude[0]', message: "module 'enc.blok' is not in the model" },
    ]);
    assert.deepEqual(notices, ["class 'BertLayer' matches no module", "name pattern 'nope\\..*' matches no module"]);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { configFormat, parseConfigText } from '../../src/train/config-text.js';

const problems = (r: E.Either<Array<{ path: string; message: string }>, unknown>) => (E.isLeft(r) ? r.left.map((p) => `${p.path}: ${p.message}`) : []);

test('the format comes from the file name', () => {
  assert.deepEqual([configFormat('a.json'), configFormat('a.YML'), configFormat('dir/a.yaml')], [E.right('json'), E.right('yaml'), E.right('yaml')]);
  assert.deepEqual(problems(configFormat('run.txt')), ["(file): expected a .yaml, .yml or .json file, got '.txt'"]);
  assert.deepEqual(problems(configFormat('run')), ['(file): expected a .yaml, .yml or .json file, got a name without an extension']);
});

test('a .json file is strict JSON: a trailing comma is an error at its line and column; YAML may have one', () => {
  // JSON.parse stops at the brace after the comma: line 3, column 1
  assert.deepEqual(problems(parseConfigText('{\n  "lr": 0.01,\n}\n', 'json')), ['line 3, column 1: not valid JSON: Expected double-quoted property name']);
  // V8 gives no offset for an unexpected token: the position is found all the same (the ']' is line 2's 18th character)
  assert.deepEqual(problems(parseConfigText('{\n  "seeds": [1, 2,],\n  "lr": 0.01\n}', 'json')), ["line 2, column 18: not valid JSON: Unexpected token ']'"]);
  assert.deepEqual(problems(parseConfigText('lr: 0.01\n', 'json')), ["line 1, column 1: not valid JSON: Unexpected token 'l'"]);
  assert.deepEqual(parseConfigText('{ "lr": 0.01, "seeds": [1, 2,], }', 'yaml'), E.right({ lr: 0.01, seeds: [1, 2] }));
  assert.deepEqual(parseConfigText('{"lr": 0.01, "seeds": [1, 2]}', 'json'), E.right({ lr: 0.01, seeds: [1, 2] }));
});

test('duplicate keys are errors in both formats (JSON.parse alone would keep the last)', () => {
  assert.deepEqual(problems(parseConfigText('lr: 0.1\nlr: 0.2\n', 'yaml')), ['line 2, column 1: not valid YAML: Map keys must be unique']);
  assert.deepEqual(problems(parseConfigText('{"lr": 0.1, "lr": 0.2}', 'json')), ['line 1, column 13: not valid JSON: Map keys must be unique']);
});

// the user saw `(file): not valid YAML: Tabs are not allowed as indentation at line 2, column 1:` (a dangling colon)
test('a YAML error is at its line and column, like a JSON one, without the parser\'s trailing excerpt', () => {
  assert.deepEqual(problems(parseConfigText('hidden: 32\n\tlr: 0.1\n', 'yaml')), ['line 2, column 1: not valid YAML: Tabs are not allowed as indentation']);
  assert.deepEqual(problems(parseConfigText('seeds: [1, 2\nlr: 0.1\n', 'yaml')).map((p) => p.replace(/: not valid YAML: .*/, '')), ['line 2, column 1']);
});

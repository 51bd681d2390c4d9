import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

// Examples are what users copy: they import graft by its package name, never from outside examples/ (../src, ../props).
test('examples import the package by its name, as users will', () => {
  const examples = readdirSync('examples').filter((f) => f.endsWith('.ts'));
  assert.ok(examples.length > 0);
  const relative = examples.flatMap((f) =>
    [...readFileSync(`examples/${f}`, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.\.\/[^']+)'/g)].map((m) => `${f}: ${m[1]}`));
  assert.deepEqual(relative, []);
});

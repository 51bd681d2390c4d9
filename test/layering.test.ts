import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

// design.md: each folder of src/ may import only the ones below it.
// nn (layers and models) sits above optim, whose model spec it exports, and below shard
const LAYERS = ['dsl', 'compiler', 'runtime', 'optim', 'nn', 'shard', 'train', 'cli'];
const SRC = resolve('src');

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });

test('no layer imports a layer above it', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const layer = relative(SRC, file).split('/')[0];
    const rank = LAYERS.indexOf(layer);
    if (rank < 0) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const target = relative(SRC, resolve(dirname(file), m[1])).split('/')[0];
      if (LAYERS.indexOf(target) > rank) violations.push(`${relative(SRC, file)} imports ${m[1]} (${target} is above ${layer})`);
    }
  }
  assert.deepEqual(violations, []);
});

// src/index.ts is the package entry ('graft'): it sits above every layer and may re-export them all
// (nn, train), so no file inside src/ may import it, or a lower layer would reach an upper one.
test('no file in src/ imports the package root', () => {
  const root = join(SRC, 'index.ts');
  const importers = files(SRC).filter((file) =>
    [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].some((m) => resolve(dirname(file), m[1]).replace(/\.js$/, '.ts') === root));
  assert.deepEqual(importers.map((f) => relative(SRC, f)), []);
});

// The code a rank runs, as one digest: every file under src/ by relative path, so two checkouts that differ anywhere differ here.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../..', import.meta.url));

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : /\.(ts|js|mjs|cc)$/.test(e.name) ? [join(dir, e.name)] : []));

export const codeDigest = (root: string = SRC): string => {
  const hash = createHash('sha256');
  for (const file of filesUnder(root).sort()) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
};

export const configDigest = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

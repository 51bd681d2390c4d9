// Path options checked against the file system before anything runs or is written, so a file where a folder is
// expected (or the reverse) is named as such instead of surfacing later as ENOTDIR or EISDIR halfway through.
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as t from 'io-ts';

type Kind = 'file' | 'directory' | 'missing' | 'other';

const kindOf = (path: string): Kind => {
  try {
    const s = statSync(path);
    return s.isDirectory() ? 'directory' : s.isFile() ? 'file' : 'other';
  } catch (e) {
    // ENOTDIR: a file sits where a folder of the path should be; reported by the nearest existing ancestor
    return (e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'missing' : 'other';
  }
};

/** The nearest ancestor of a missing path that exists, and what it is: it must be a folder for the path to be created. */
const nearestExisting = (path: string): { path: string; kind: Kind } => {
  let at = resolve(path);
  for (;;) {
    const kind = kindOf(at);
    if (kind !== 'missing' || dirname(at) === at) return { path: at, kind };
    at = dirname(at);
  }
};

const pathType = (name: string, check: (path: string) => string | undefined) =>
  new t.Type<string, string, unknown>(
    name,
    (u): u is string => typeof u === 'string',
    (u, c) => {
      if (typeof u !== 'string' || u === '') return t.failure(u, c);
      const why = check(u);
      return why === undefined ? t.success(u) : t.failure(u, c, why);
    },
    (a) => a,
  );

/** A folder that exists or can be created: not a file, and not under one. */
export const OutputDirOption = pathType('a folder (existing, or one to create)', (p) => {
  const kind = kindOf(p);
  if (kind === 'directory') return undefined;
  if (kind === 'file' || kind === 'other') return 'it is a file';
  const above = nearestExisting(p);
  return above.kind === 'directory' ? undefined : `${above.path} is a file, not a folder`;
});

/** An existing folder (a run folder to resume). */
export const ExistingDirOption = pathType('an existing folder', (p) => {
  const kind = kindOf(p);
  return kind === 'directory' ? undefined : kind === 'missing' ? 'there is nothing there' : 'it is a file';
});

/** A file to write: not a folder, in a folder that exists. */
export const OutputFileOption = pathType('a file to write, in an existing folder', (p) => {
  const kind = kindOf(p);
  if (kind === 'directory') return 'it is a folder';
  if (kind === 'other') return 'it is not a regular file';
  const parent = kindOf(dirname(resolve(p)));
  return parent === 'directory' ? undefined : parent === 'missing' ? `the folder ${dirname(resolve(p))} does not exist` : `${dirname(resolve(p))} is a file, not a folder`;
});

// A resume clears the temporary files a killed writer left, and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeWriteIo, removeStaleTempFiles, writeFileAtomically } from '../../../src/train/checkpoint/index.js';

/** The temporary file writeFileAtomically leaves when its process dies between write and rename. */
const leaveTempFile = (file: string): string => {
  const before = new Set(readdirSync(join(file, '..')));
  const killedBeforeRename = { ...nodeWriteIo, renameSync: () => { throw new Error('killed'); }, rmSync: () => undefined };
  assert.throws(() => writeFileAtomically(file, new Uint8Array([1, 2, 3]), killedBeforeRename), /killed/);
  const [left] = readdirSync(join(file, '..')).filter((f) => !before.has(f));
  return left;
};

test('removeStaleTempFiles removes the temp files of ended writers, in subfolders too, and leaves every other file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-stale-tmp-'));
  mkdirSync(join(dir, 'checkpoints', 'scheduled-seed1'), { recursive: true });
  const kept = ['metrics.jsonl', 'checkpoints/full-seed1.safetensors', '.notes.tmp', 'draft.tmp', '.x.12.abc.tmp', 'checkpoints/.full-seed1.safetensors.12.0123456z.tmp'];
  for (const f of kept) writeFileSync(join(dir, f), 'user data');
  const stale = [leaveTempFile(join(dir, 'metrics.jsonl')), join('checkpoints', leaveTempFile(join(dir, 'checkpoints', 'full-seed1.safetensors'))), join('checkpoints', 'scheduled-seed1', leaveTempFile(join(dir, 'checkpoints', 'scheduled-seed1', 'last.safetensors')))];
  assert.equal(stale.length, 3);
  // while their writer still runs, they are not stale
  assert.deepEqual(removeStaleTempFiles(dir, () => true), []);
  const removed = removeStaleTempFiles(dir, () => false);
  assert.deepEqual(removed.map((p) => p.slice(dir.length + 1)).sort(), [...stale].sort());
  const left = (d: string): string[] => readdirSync(join(dir, d), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? left(join(d, e.name)) : [join(d, e.name)]));
  assert.deepEqual(left('').sort(), [...kept].sort());
  rmSync(dir, { recursive: true, force: true });
});

test('a temp file of this process is not stale', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-live-tmp-'));
  const mine = leaveTempFile(join(dir, 'metrics.jsonl'));
  assert.deepEqual(removeStaleTempFiles(dir), []);
  assert.deepEqual(readdirSync(dir), [mine]);
  rmSync(dir, { recursive: true, force: true });
});

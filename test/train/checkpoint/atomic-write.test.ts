import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WriteIo } from '../../../src/train/checkpoint/index.js';
import { loadCheckpoint, nodeWriteIo, saveCheckpoint, writeFileAtomically } from '../../../src/train/checkpoint/index.js';
import { CHECKPOINT, META, right, tempDir } from './fixtures.js';

/** The node file operations, one of them failing on its first call: a write after writing half, a close after closing (as Linux does). */
const failing = (op: keyof WriteIo): WriteIo => {
  const fail = () => {
    const e = new Error(`injected ${op} failure`) as NodeJS.ErrnoException;
    e.code = 'EIO';
    throw e;
  };
  return {
    ...nodeWriteIo,
    [op]: (...args: unknown[]) => {
      if (op === 'closeSync') nodeWriteIo.closeSync(args[0] as number);
      if (op === 'writeSync') {
        const [fd, buffer, offset, length] = args as [number, Uint8Array, number, number];
        nodeWriteIo.writeSync(fd, buffer, offset, Math.floor(length / 2));
      }
      return fail();
    },
  };
};

const NEXT = { ...CHECKPOINT, params: { ...CHECKPOINT.params, 'enc.b': Float32Array.of(9, 9, 9) }, meta: { ...META, step: 13 } };

describe('checkpoint: atomic writes', () => {
  for (const op of ['writeSync', 'fsyncSync', 'closeSync', 'renameSync'] as const) {
    it(`a failing ${op} leaves the old checkpoint intact and no temporary file`, () => {
      const dir = tempDir();
      const file = join(dir, 'last.safetensors');
      right(saveCheckpoint(file, CHECKPOINT));
      const before = readFileSync(file);
      assert.throws(() => saveCheckpoint(file, NEXT, failing(op)), new RegExp(`injected ${op} failure`));
      assert.deepEqual(readFileSync(file), before);
      assert.deepEqual(readdirSync(dir), ['last.safetensors']);
      assert.equal(right(loadCheckpoint(file)).meta.step, 12);
    });
  }

  it('a failing first write leaves no file where there was none', () => {
    const dir = tempDir();
    const file = join(dir, 'first.safetensors');
    assert.throws(() => saveCheckpoint(file, CHECKPOINT, failing('writeSync')), /injected writeSync failure/);
    assert.equal(existsSync(file), false);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('writes that return short are continued until every byte is written', () => {
    const dir = tempDir();
    const file = join(dir, 'f.bin');
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    const short: WriteIo = { ...nodeWriteIo, writeSync: (fd, b, o, l) => nodeWriteIo.writeSync(fd, b, o, Math.min(l, 7)) };
    writeFileAtomically(file, bytes, short);
    assert.deepEqual(new Uint8Array(readFileSync(file)), bytes);
  });

  it('a successful save replaces the old checkpoint, leaving only it', () => {
    const dir = tempDir();
    const file = join(dir, 'last.safetensors');
    right(saveCheckpoint(file, CHECKPOINT));
    right(saveCheckpoint(file, NEXT));
    assert.deepEqual(readdirSync(dir), ['last.safetensors']);
    const back = right(loadCheckpoint(file));
    assert.equal(back.meta.step, 13);
    assert.deepEqual(Array.from(back.params['enc.b']), [9, 9, 9]);
  });

  it('an I/O error opening the temporary file is thrown, not returned', () => {
    assert.throws(() => saveCheckpoint(join(tempDir(), 'no-such-dir', 'c.safetensors'), CHECKPOINT), { code: 'ENOENT' });
  });
});

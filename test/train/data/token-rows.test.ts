// packTokenRows: [ids; mask; types] rows padded as a tokenizer's padding='max_length' would, every bad example at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { packTokenRows } from '../../../src/train/data/token-rows.js';

describe('packTokenRows', () => {
  it('pads ids with the pad id, masks the padding, keeps token types (0 where none are given)', () => {
    const rows = packTokenRows([{ inputIds: [101, 7, 102], tokenTypeIds: [0, 1, 1] }, { inputIds: [101, 102, 9, 9] }], 4, 0);
    assert.ok(E.isRight(rows));
    assert.deepEqual([...rows.right], [101, 7, 102, 0, 1, 1, 1, 0, 0, 1, 1, 0, 101, 102, 9, 9, 1, 1, 1, 1, 0, 0, 0, 0]);
  });

  it('every example that does not fit, with its index', () => {
    const r = packTokenRows([{ inputIds: [1, 2, 3] }, { inputIds: [] }, { inputIds: [1, -2], tokenTypeIds: [0] }], 2, 0);
    assert.deepEqual(r, E.left([
      { index: 0, message: '3 tokens, longer than the 2 the rows hold (truncate when tokenising)' },
      { index: 1, message: 'no tokens' },
      { index: 2, message: '1 token types for 2 tokens' },
      { index: 2, message: 'token id -2 is not a non-negative integer' },
    ]));
  });
});

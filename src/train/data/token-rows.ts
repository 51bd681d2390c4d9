// Tokenised examples as fixed-width rows for maskedTokenRows: ids padded with the pad id, a 1/0 attention mask,
// token types (0 where the encoding has none), each row [3, seq] — what a Hugging Face tokenizer's
// padding='max_length' gives.
import * as E from 'fp-ts/lib/Either.js';

/** One example as a tokenizer encodes it. */
export interface TokenEncoding {
  readonly inputIds: readonly number[];
  readonly tokenTypeIds?: readonly number[];
}

export interface TokenRowProblem {
  readonly index: number;
  readonly message: string;
}

/** `count` rows of [3, seqLength] as f32 (exact integers), or every example that does not fit, at once. */
export const packTokenRows = (examples: readonly TokenEncoding[], seqLength: number, padId: number): E.Either<TokenRowProblem[], Float32Array> => {
  const problems: TokenRowProblem[] = [];
  const rows = new Float32Array(examples.length * 3 * seqLength);
  examples.forEach((ex, i) => {
    const n = ex.inputIds.length;
    if (n === 0 || n > seqLength) problems.push({ index: i, message: n === 0 ? 'no tokens' : `${n} tokens, longer than the ${seqLength} the rows hold (truncate when tokenising)` });
    if (ex.tokenTypeIds && ex.tokenTypeIds.length !== n) problems.push({ index: i, message: `${ex.tokenTypeIds.length} token types for ${n} tokens` });
    const bad = ex.inputIds.find((id) => !Number.isInteger(id) || id < 0);
    if (bad !== undefined) problems.push({ index: i, message: `token id ${bad} is not a non-negative integer` });
    const at = i * 3 * seqLength;
    for (let t = 0; t < seqLength; t++) {
      const real = t < n;
      rows[at + t] = real ? ex.inputIds[t] : padId;
      rows[at + seqLength + t] = real ? 1 : 0;
      rows[at + 2 * seqLength + t] = real ? (ex.tokenTypeIds?.[t] ?? 0) : 0;
    }
  });
  return problems.length ? E.left(problems) : E.right(rows);
};

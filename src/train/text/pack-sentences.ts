// Consecutive sentences packed into pre-training sequences: [CLS] s1 s2 … [SEP] up to `seqLength` tokens (BERT's
// "full sentences" packing without the next-sentence task); a sentence longer than a whole sequence is cut.
import type { TokenEncoding } from '../data/token-rows.js';
import type { TextTokenizer } from './tokenizer.js';

export const packSentences = (tok: TextTokenizer, sentences: Iterable<string>, seqLength: number): TokenEncoding[] => {
  const room = seqLength - 2;
  const out: TokenEncoding[] = [];
  let current: number[] = [];
  const flush = () => {
    if (current.length) out.push({ inputIds: [tok.clsId, ...current, tok.sepId] });
    current = [];
  };
  for (const s of sentences) {
    const ids = tok.encode(s, seqLength).inputIds.slice(1, -1);
    if (current.length + ids.length > room) flush();
    current.push(...ids.slice(0, room));
  }
  flush();
  return out;
};

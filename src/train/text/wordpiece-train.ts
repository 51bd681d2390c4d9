// Training a WordPiece vocabulary as Hugging Face's WordPieceTrainer does (it is BPE over words whose inner
// pieces carry the `##` prefix): start from every character, merge the most frequent adjacent pair until the
// vocabulary is full or no pair is frequent enough. Words come from the same normalizer and pre-tokenizer the
// library encodes with, so every trained word splits back into the pieces counted here.
import { Tokenizer } from '@huggingface/tokenizers';
import { BERT_SPECIALS, CONTINUATION, wordPieceTokenizerJson } from './wordpiece-json.js';

export interface WordPieceOptions {
  /** The vocabulary's size, specials included (fewer when the corpus runs out of pairs). */
  readonly vocabSize: number;
  /** A pair seen fewer times than this is never merged; default 2. */
  readonly minFrequency?: number;
}

/** How often each word occurs, as BERT's normalizer and pre-tokenizer split the texts. */
export const wordCounts = (texts: Iterable<string>): Map<string, number> => {
  // the normalizer and pre-tokenizer of the tokenizer.json this trainer writes (only the specials in its vocabulary)
  const { normalizer, pre_tokenizer: pre } = new Tokenizer(wordPieceTokenizerJson(BERT_SPECIALS), {});
  const counts = new Map<string, number>();
  for (const text of texts) for (const w of pre!.pre_tokenize_text(normalizer!.normalize(text))) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
};

const piece = (token: string): string => (token.startsWith(CONTINUATION) ? token.slice(CONTINUATION.length) : token);

/** A max-heap of candidate merges: most frequent first, then the merged token's string (so ties break the same everywhere). */
class MergeHeap {
  private readonly items: Array<{ count: number; a: number; b: number; text: string }> = [];
  private before(x: MergeHeap['items'][number], y: MergeHeap['items'][number]): boolean {
    return x.count !== y.count ? x.count > y.count : x.text < y.text;
  }
  push(item: MergeHeap['items'][number]): void {
    const h = this.items;
    h.push(item);
    for (let i = h.length - 1; i > 0;) {
      const up = (i - 1) >> 1;
      if (!this.before(h[i], h[up])) break;
      [h[i], h[up]] = [h[up], h[i]];
      i = up;
    }
  }
  pop(): MergeHeap['items'][number] | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < h.length && this.before(h[l], h[best])) best = l;
        if (r < h.length && this.before(h[r], h[best])) best = r;
        if (best === i) break;
        [h[i], h[best]] = [h[best], h[i]];
        i = best;
      }
    }
    return top;
  }
}

/** The vocabulary, in id order: the specials, the characters (sorted), then each merge's token in merge order. */
export const trainWordPiece = (counts: ReadonlyMap<string, number>, options: WordPieceOptions): string[] => {
  const minFrequency = options.minFrequency ?? 2;
  const words = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const chars = new Set<string>();
  for (const [w] of words) [...w].forEach((c, i) => chars.add(i === 0 ? c : CONTINUATION + c));
  const vocab: string[] = [...BERT_SPECIALS, ...[...chars].sort()];
  const idOf = new Map(vocab.map((t, i) => [t, i]));
  const symbols = words.map(([w]) => [...w].map((c, i) => idOf.get(i === 0 ? c : CONTINUATION + c)!));
  const freq = words.map(([, n]) => n);
  const pairCount = new Map<number, number>();
  const wordsWith = new Map<number, Set<number>>();
  // pairs keyed by a * 2^21 + b: exact for vocabularies under two million tokens
  const key = (a: number, b: number) => a * 2 ** 21 + b;
  const heap = new MergeHeap();
  const addWord = (w: number, sign: 1 | -1, touched: Set<number>) => {
    const s = symbols[w];
    for (let i = 0; i + 1 < s.length; i++) {
      const k = key(s[i], s[i + 1]);
      pairCount.set(k, (pairCount.get(k) ?? 0) + sign * freq[w]);
      if (sign > 0) (wordsWith.get(k) ?? wordsWith.set(k, new Set()).get(k)!).add(w);
      touched.add(k);
    }
  };
  const pushPairs = (keys: Iterable<number>) => {
    for (const k of keys) {
      const count = pairCount.get(k)!;
      const a = Math.floor(k / 2 ** 21);
      const b = k % 2 ** 21;
      if (count > 0) heap.push({ count, a, b, text: vocab[a] + piece(vocab[b]) });
    }
  };
  const all = new Set<number>();
  symbols.forEach((_, w) => addWord(w, 1, all));
  pushPairs(all);
  while (vocab.length < options.vocabSize) {
    const top = heap.pop();
    if (!top) break;
    const k = key(top.a, top.b);
    // a stale entry: the pair's count changed after it was pushed (the current count has its own entry)
    if (pairCount.get(k) !== top.count) continue;
    if (top.count < minFrequency) break;
    const merged = idOf.get(top.text) ?? vocab.push(top.text) - 1;
    idOf.set(top.text, merged);
    const touched = new Set<number>();
    for (const w of wordsWith.get(k) ?? []) {
      addWord(w, -1, touched);
      const s = symbols[w];
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === top.a && s[i + 1] === top.b) {
          out.push(merged);
          i++;
        } else out.push(s[i]);
      }
      symbols[w] = out;
      addWord(w, 1, touched);
    }
    wordsWith.delete(k);
    pushPairs(touched);
  }
  return vocab;
};

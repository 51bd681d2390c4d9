// A bounded rendezvous over the control block: arrive at an epoch, then wait (without blocking the event loop) until
// every rank has arrived, failing at once when a missing rank has departed and after timeoutMs when one is just late.
import * as E from 'fp-ts/lib/Either.js';
import { COUNTER, arrivalAt, departedAt, type LocalShared } from './local-shared.js';

export interface WaitFailure {
  readonly message: string;
  readonly lostRank?: number;
}

// Atomics.waitAsync is ES2024 (in Node since 16); the project's lib is ES2022
type WaitAsync = (array: Int32Array, index: number, value: number, timeoutMs: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Slice of one Atomics wait: how often a waiting rank re-checks departures and its deadline. */
const SLICE_MS = 50;

export const rendezvous = async (shared: LocalShared, control: Int32Array, rank: number, epoch: number, timeoutMs = shared.timeoutMs): Promise<E.Either<WaitFailure, void>> => {
  Atomics.store(control, arrivalAt(rank), epoch);
  Atomics.add(control, COUNTER, 1);
  Atomics.notify(control, COUNTER);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = Atomics.load(control, COUNTER);
    const missing: number[] = [];
    for (let k = 0; k < shared.size; k++) if (Atomics.load(control, arrivalAt(k)) < epoch) missing.push(k);
    if (missing.length === 0) return E.right(undefined);
    const lost = missing.find((k) => Atomics.load(control, departedAt(shared.size, k)) !== 0);
    if (lost !== undefined) {
      const code = Atomics.load(control, departedAt(shared.size, lost)) - 1;
      return E.left({ message: `rank ${lost} was lost: its worker exited (code ${code}) before joining`, lostRank: lost });
    }
    if (Date.now() >= deadline) return E.left({ message: `timed out after ${timeoutMs} ms waiting for rank(s) ${missing.join(', ')}${epoch === 1 ? ' to start' : ''}` });
    const wait = waitAsync(control, COUNTER, seen, SLICE_MS);
    if (!wait.async) continue;
    // neither a pending waitAsync nor its timeout keeps a worker's event loop alive: a ref'd timer must, until it resolves
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    await wait.value;
    clearInterval(keepAlive);
  }
};

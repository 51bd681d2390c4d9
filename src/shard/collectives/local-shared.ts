// The shared memory of one local run: a control block of Int32 words (arrivals, departures, per-call headers) and
// W + 1 float slots (one per rank, one for reduced results), reused piece by piece for arrays longer than a slot.
// The slots are a shared wasm memory, so every rank's tree-sum kernel reads its peers' slots where they wrote them.
import * as E from 'fp-ts/lib/Either.js';

export interface LocalShared {
  readonly size: number;
  readonly control: SharedArrayBuffer;
  /** The slots, slot k at byte 4 · k · slotFloats (workers receive the memory itself, to run kernels over it). */
  readonly data: WebAssembly.Memory;
  /** Floats per slot: collectives move longer arrays in pieces of at most this many floats per rank. */
  readonly slotFloats: number;
  /** How long a rank waits for a peer that is alive but does not arrive before failing. */
  readonly timeoutMs: number;
  /** How long every rank waits for all workers to start (loading modules is slow on a busy machine). */
  readonly startTimeoutMs: number;
}

/** Word indices in the control block. */
export const COUNTER = 0;
export const arrivalAt = (rank: number) => 1 + rank;
export const departedAt = (size: number, rank: number) => 1 + size + rank;
/** Headers are double-buffered by call parity: a rank can be at most one collective ahead of the slowest. */
export const headerAt = (size: number, parity: number, rank: number, field: 0 | 1 | 2) => 1 + 2 * size + (parity * 3 + field) * size + rank;
const controlWords = (size: number) => 1 + 8 * size;
const slotMemory = (bytes: number) => {
  const pages = Math.ceil(bytes / 65536);
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
};

export const createLocalShared = (size: number, slotFloats: number, timeoutMs: number, startTimeoutMs: number): E.Either<string[], LocalShared> => {
  const problems = [
    ...(Number.isInteger(size) && size >= 1 ? [] : [`size ${size} must be an integer >= 1`]),
    ...(Number.isInteger(slotFloats) && slotFloats >= size ? [] : [`slotFloats ${slotFloats} must be an integer >= size`]),
    ...(timeoutMs > 0 ? [] : [`timeoutMs ${timeoutMs} must be > 0`]),
    ...(startTimeoutMs > 0 ? [] : [`startTimeoutMs ${startTimeoutMs} must be > 0`]),
  ];
  if (problems.length) return E.left(problems);
  return E.right({
    size,
    control: new SharedArrayBuffer(4 * controlWords(size)),
    data: slotMemory(4 * slotFloats * (size + 1)),
    slotFloats,
    timeoutMs,
    startTimeoutMs,
  });
};

/** Marks `rank` as gone (exit code + 1, so a clean exit is still non-zero) and wakes every waiting rank. */
export const markDeparted = (shared: LocalShared, rank: number, exitCode: number): void => {
  const control = new Int32Array(shared.control);
  Atomics.store(control, departedAt(shared.size, rank), exitCode + 1);
  Atomics.add(control, COUNTER, 1);
  Atomics.notify(control, COUNTER);
};

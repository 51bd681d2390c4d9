// Completes one non-blocking MPI call without blocking the event loop: Open MPI 4.1 has no progress thread, so the
// request advances only inside MPI_Test, which testFor calls for a short slice before yielding a turn.
import { setImmediate as nextTurn } from 'node:timers/promises';
import * as E from 'fp-ts/lib/Either.js';
import type { MpiAddon } from './addon.js';

/** How long one poll may hold the event loop. */
const POLL_MICROS = 200;

/** Starts the call and polls it; the arrays it touches must stay referenced by the caller until this resolves. */
export const completeRequest = async (addon: MpiAddon, start: () => number, timeoutMs: number): Promise<E.Either<string, void>> => {
  const deadline = Date.now() + timeoutMs;
  try {
    const id = start();
    while (!addon.testFor(id, POLL_MICROS)) {
      if (Date.now() >= deadline) return E.left(`no progress for ${timeoutMs} ms: a peer rank is stuck or lost`);
      await nextTurn();
    }
    return E.right(undefined);
  } catch (e) {
    return E.left(e instanceof Error ? e.message : String(e));
  }
};

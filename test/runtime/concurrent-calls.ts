// Two resident calls started together on one executable of the `p' = p - 0.5 g, n = Σ p²` step (label 'sgd step'),
// shared by the wasm and webgpu runtime tests: one that names a handle another call donated is refused, and so is
// donating a handle another call still reads; the handles that stay usable keep their values.
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';

interface Handles<T> {
  upload(values: ArrayLike<number>, shape?: readonly number[]): T;
  read(t: T): E.Either<Error, Float32Array> | Promise<E.Either<Error, Float32Array>>;
  dispose(t: T): void;
}
interface Step<T> {
  call(inputs: Record<string, T>, options?: { donate?: readonly string[] }): Promise<E.Either<Error, Record<string, T>>>;
}

const right = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

export const callsStartedTogether = async <T>(rt: Handles<T>, ex: Step<T>): Promise<void> => {
  const first3 = async (t: T) => Array.from(right(await rt.read(t))).slice(0, 3);
  const p = rt.upload(Float32Array.from({ length: 100 }, (_, i) => i), [100]);
  const gr = rt.upload(new Float32Array(100).fill(2), [100]);
  // neither call is awaited before the other starts: the first may still be writing over p
  const [first, second] = await Promise.all([ex.call({ p, g: gr }, { donate: ['p'] }), ex.call({ p, g: gr })]);
  const out = right(first);
  assert.ok(E.isLeft(second));
  assert.match(second.left.message, /input 'p' was donated to sgd step \(call 1\)/);
  assert.deepEqual(await first3(out.p), [-1, 0, 1]);
  const q = rt.upload(Float32Array.from({ length: 100 }, (_, i) => i), [100]);
  const [reading, donating] = await Promise.all([ex.call({ p: q, g: gr }), ex.call({ p: q, g: gr }, { donate: ['p'] })]);
  assert.deepEqual(await first3(right(reading).p), [-1, 0, 1]);
  assert.ok(E.isLeft(donating));
  assert.match(donating.left.message, /donate: 'p' is still read by a call in flight/);
  assert.deepEqual(await first3(q), [0, 1, 2], 'q keeps its value and stays usable');
  for (const t of [out.p, out.n, right(reading).p, right(reading).n, q, gr]) rt.dispose(t);
};

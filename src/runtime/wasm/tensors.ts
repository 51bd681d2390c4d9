// Resident tensors: handles to blocks of the runtime's memory. A handle never changes value; a
// step may consume (donate) it, after which it refuses to be read, naming the step.
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../../dsl/shape.js';
import { sizeOf } from '../../dsl/shape.js';
import type { WasmHeap } from './heap.js';

export class TensorError extends Error {
  override readonly name = 'TensorError';
}

export class ResidentTensor {
  /** The step that consumed this handle, once donated. */
  consumedBy: string | undefined;
  disposed = false;
  /** Calls in flight that read this handle. */
  readers = 0;
  constructor(
    readonly shape: Shape,
    readonly size: number,
    /** Byte offset in the runtime's memory. */
    readonly addr: number,
  ) {}
}

/** Why a handle cannot be used, or undefined when it can. */
export const unusable = (t: Pick<ResidentTensor, 'consumedBy' | 'disposed'>, what: string): string | undefined =>
  t.consumedBy !== undefined
    ? `${what} was donated to ${t.consumedBy} and can no longer be used`
    : t.disposed
      ? `${what} was disposed`
      : undefined;

/** Bytes moved between the host and the runtime's memory, counted where they cross. */
export interface Traffic {
  readonly uploads: number;
  readonly uploadedBytes: number;
  readonly reads: number;
  readonly readBytes: number;
}

export class TensorStore {
  private moved = { uploads: 0, uploadedBytes: 0, reads: 0, readBytes: 0 };
  constructor(readonly heap: WasmHeap) {}

  /** Counts one host -> memory ('up') or memory -> host ('down') copy of `elements` f32 values. */
  count(direction: 'up' | 'down', elements: number): void {
    if (direction === 'up') this.moved.uploads++, (this.moved.uploadedBytes += elements * 4);
    else this.moved.reads++, (this.moved.readBytes += elements * 4);
  }

  /** The copies so far (a snapshot). */
  traffic(): Traffic {
    return { ...this.moved };
  }

  upload(values: ArrayLike<number>, shape: Shape = [values.length]): ResidentTensor {
    const size = sizeOf(shape);
    if (values.length !== size) throw new TensorError(`upload: ${values.length} values for shape [${shape.join(', ')}] (${size} elements)`);
    const addr = this.heap.alloc(size * 4, `an uploaded tensor of shape [${shape.join(', ')}]`);
    this.heap.f32(addr, size).set(values);
    this.count('up', size);
    return new ResidentTensor(shape, size, addr);
  }

  /** A copy of the values on the host. */
  read(t: ResidentTensor): E.Either<TensorError, Float32Array> {
    const why = unusable(t, 'this tensor');
    if (why) return E.left(new TensorError(`read: ${why}`));
    this.count('down', t.size);
    return E.right(this.heap.f32(t.addr, t.size).slice());
  }

  /** Frees the handle's memory now (idempotent); reading it afterwards is an error. */
  dispose(t: ResidentTensor): void {
    if (t.disposed || t.consumedBy !== undefined) return;
    t.disposed = true;
    this.heap.release(t.addr);
  }

}

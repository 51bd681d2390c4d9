/// <reference types="@webgpu/types" />
// Resident tensors on the GPU, with the wasm backend's semantics: a handle never changes value; a
// step may consume (donate) it, after which it refuses to be read, naming the step. Reading is
// explicit and asynchronous (the GPU's work is awaited).
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../../dsl/shape.js';
import { sizeOf } from '../../dsl/shape.js';
import { TensorError, unusable } from '../wasm/tensors.js';
import type { BufferPool } from './buffers.js';

export class GpuTensor {
  /** The step that consumed this handle, once donated. */
  consumedBy: string | undefined;
  disposed = false;
  /** Calls in flight that read this handle. */
  readers = 0;
  constructor(
    readonly shape: Shape,
    readonly size: number,
    readonly buffer: GPUBuffer,
  ) {}
}

export class GpuTensorStore {
  constructor(readonly pool: BufferPool) {}

  upload(values: ArrayLike<number>, shape: Shape = [values.length]): GpuTensor {
    const size = sizeOf(shape);
    if (values.length !== size) throw new TensorError(`upload: ${values.length} values for shape [${shape.join(', ')}] (${size} elements)`);
    return new GpuTensor(shape, size, this.pool.upload(values, size, () => `an uploaded tensor of shape [${shape.join(', ')}]`));
  }

  /** A copy of the values on the host, once the GPU work queued before it is done. */
  async read(t: GpuTensor): Promise<E.Either<TensorError, Float32Array>> {
    const why = unusable(t, 'this tensor');
    if (why) return E.left(new TensorError(`read: ${why}`));
    const [values] = await this.pool.read([t.buffer], [t.size]);
    return E.right(values);
  }

  /** Returns the handle's buffer to the pool now (idempotent); reading it afterwards is an error. */
  dispose(t: GpuTensor): void {
    if (t.disposed || t.consumedBy !== undefined) return;
    t.disposed = true;
    this.pool.release(t.buffer);
  }
}

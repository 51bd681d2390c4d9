/// <reference types="@webgpu/types" />
// GPU storage buffers by exact size: a released buffer serves the next request of its size. Until
// the commands recorded so far are submitted it may only take GPU writes recorded after them (a
// host upload into it would land before those commands ran). Every buffer has a number, so bind
// groups over the same buffers can be reused.
import type { GpuContext } from './device.js';
import { MAP_READ, USAGE } from './device.js';

export class BufferTooLargeError extends Error {
  override readonly name = 'BufferTooLargeError';
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly pending = new Map<number, GPUBuffer[]>();
  private readonly ids = new WeakMap<GPUBuffer, number>();
  private readonly all = new Set<GPUBuffer>();
  private next = 0;

  constructor(private readonly ctx: GpuContext) {}

  /** Bytes a tensor of `elements` floats takes (WebGPU binds no empty buffer). */
  static bytes(elements: number): number {
    return Math.max(4, elements * 4);
  }

  /**
   * A storage buffer for `elements` floats; `what` names the tensor when the device cannot bind that much.
   * `gpuWrite`: only commands recorded from now on write it (so a buffer released but not yet submitted will do).
   */
  acquire(elements: number, what: string | (() => string), gpuWrite = false): GPUBuffer {
    const bytes = BufferPool.bytes(elements);
    const reuse = (gpuWrite ? this.pending.get(bytes)?.pop() : undefined) ?? this.free.get(bytes)?.pop();
    if (reuse) return reuse;
    const max = Math.min(this.ctx.limits.maxStorageBufferBindingSize, this.ctx.limits.maxBufferSize);
    if (bytes > max) throw new BufferTooLargeError(tooLarge(typeof what === 'string' ? what : what(), bytes, max, this.ctx.adapter));
    this.ctx.check(`allocating ${bytes} bytes`);
    const b = this.ctx.device.createBuffer({ size: bytes, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
    this.ids.set(b, this.next++);
    this.all.add(b);
    return b;
  }

  id(b: GPUBuffer): number {
    return this.ids.get(b)!;
  }

  /** Back to the pool once the commands recorded so far are submitted (`submitted`). */
  release(b: GPUBuffer): void {
    const list = this.pending.get(b.size) ?? [];
    list.push(b);
    this.pending.set(b.size, list);
  }

  submitted(): void {
    for (const [size, list] of this.pending) this.free.set(size, [...(this.free.get(size) ?? []), ...list]);
    this.pending.clear();
  }

  /** Host values into a fresh buffer (queued before any command submitted after it). */
  upload(values: ArrayLike<number>, elements: number, what: string | (() => string)): GPUBuffer {
    const b = this.acquire(elements, what);
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    if (elements > 0) this.ctx.device.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, elements * 4);
    return b;
  }

  /** Copies of the first `elements[i]` floats of each buffer, read back to the host after the work queued so far. */
  async read(buffers: readonly GPUBuffer[], elements: readonly number[]): Promise<Float32Array[]> {
    const { device } = this.ctx;
    this.ctx.check('reading a tensor back');
    const staging = buffers.map((_, i) => device.createBuffer({ size: BufferPool.bytes(elements[i]), usage: USAGE.MAP_READ | USAGE.COPY_DST }));
    const enc = device.createCommandEncoder();
    buffers.forEach((b, i) => elements[i] > 0 && enc.copyBufferToBuffer(b, 0, staging[i], 0, elements[i] * 4));
    device.queue.submit([enc.finish()]);
    this.submitted();
    try {
      await Promise.all(staging.map((s) => s.mapAsync(MAP_READ)));
    } catch (e) {
      this.ctx.check('reading a tensor back');
      throw e;
    }
    const out = staging.map((s, i) => new Float32Array(s.getMappedRange().slice(0, elements[i] * 4)));
    staging.forEach((s) => (s.unmap(), s.destroy()));
    return out;
  }

  destroy(): void {
    for (const b of this.all) b.destroy();
    this.all.clear();
    this.free.clear();
    this.pending.clear();
  }
}

export const tooLarge = (what: string, bytes: number, max: number, adapter: string): string =>
  `webgpu: ${what} needs ${bytes} bytes, over the ${max} bytes one storage buffer may bind on ${adapter}`;

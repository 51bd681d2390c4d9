// One shared WebAssembly.Memory per runtime, carved by a size-class allocator: blocks are
// powers of two from 64 bytes (64-byte aligned), freed blocks wait on their class's free list,
// new ones come from a bump pointer, and the memory grows when that runs past its end.
import { WASM_MAX_PAGES } from '../../compiler/wasm/stored-module.js';

export const PAGE = 65536;
const MIN_BLOCK = 64;

/** The most a wasm32 memory can hold: 65536 pages (4 GiB). */
export const MAX_PAGES = WASM_MAX_PAGES;

export class OutOfMemoryError extends Error {
  override readonly name = 'OutOfMemoryError';
}

const classOf = (bytes: number): number => Math.max(MIN_BLOCK, 2 ** Math.ceil(Math.log2(Math.max(1, bytes))));

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  private top = MIN_BLOCK; // address 0 stays unused, so no live tensor sits at 0
  private readonly free = new Map<number, number[]>();
  private readonly sizes = new Map<number, number>();

  constructor(readonly maxPages: number = MAX_PAGES, initialPages = 16) {
    this.memory = new WebAssembly.Memory({ initial: Math.min(initialPages, maxPages), maximum: maxPages, shared: true });
  }

  /** Bytes currently handed out (in whole blocks). */
  get inUse(): number {
    return [...this.sizes.values()].reduce((a, b) => a + b, 0);
  }

  /** A block of at least `bytes`; `what` names the tensor in the error when memory cannot grow (built only then). */
  alloc(bytes: number, what: string | (() => string)): number {
    const size = classOf(bytes);
    const reuse = this.free.get(size)?.pop();
    if (reuse !== undefined) {
      this.sizes.set(reuse, size);
      return reuse;
    }
    const at = Math.ceil(this.top / Math.min(size, PAGE)) * Math.min(size, PAGE);
    const end = at + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        if (have / PAGE + pages > this.maxPages) throw new RangeError(`the maximum is ${this.maxPages} pages`);
        this.memory.grow(pages);
      } catch (e) {
        throw new OutOfMemoryError(
          `wasm: cannot allocate ${bytes} bytes for ${typeof what === 'string' ? what : what()}: memory cannot grow from ${have} to ${end} bytes (${(e as Error).message}); ${this.inUse} bytes are in use`,
        );
      }
    }
    this.top = end;
    this.sizes.set(at, size);
    return at;
  }

  release(addr: number): void {
    const size = this.sizes.get(addr);
    if (size === undefined) throw new Error(`internal: wasm heap: block ${addr} is not allocated`);
    this.sizes.delete(addr);
    const list = this.free.get(size) ?? [];
    list.push(addr);
    this.free.set(size, list);
  }

  /** f32 view of `length` elements at `addr` (a fresh view: growing the memory replaces the buffer). */
  f32(addr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, addr, length);
  }
}

// Stored WebAssembly modules as plain JSON-safe data, and what reading them needs: no renderer
// imports here, so a runtime (and an ahead-of-time module) can load them without the compiler.
import type { HostMath } from './ops-scalar.js';

/** The memory maximum every stored module declares: 65536 pages (4 GiB). */
export const WASM_MAX_PAGES = 65536;

export interface StoredModule {
  readonly name: string;
  /** The module's bytes, base64. */
  readonly bytes: string;
  /** `contentHash` of the bytes. */
  readonly hash: string;
  /** Plan buffers passed as byte offsets, in parameter order (then begin, end). */
  readonly params: readonly number[];
  /** Work units `run` takes: the kernel's elements, or a tiled matmul's row tiles. */
  readonly size: number;
  /** Threads take ranges of units in multiples of this. */
  readonly granule: number;
  /** How the kernel was rendered (per element, or register tiles). */
  readonly schedule: string;
  /** Host functions imported from `math`, in import order. */
  readonly imports: readonly HostMath[];
  /** Node evaluations over the whole index space: whether splitting it across threads pays. */
  readonly work: number;
  /** Plan buffers the kernel writes, in store order. */
  readonly stores: readonly number[];
  /** Whether the module uses relaxed-simd (FMA); a host must validate it before loading. */
  readonly relaxedSimd: boolean;
  /** Bytes of scratch memory `run` takes as one more address after the buffers (absent or 0: none). */
  readonly scratch?: number;
  /** Unit indices where a phase starts: units before one finish before any after it runs (absent: one phase). */
  readonly phases?: readonly number[];
}

export interface WasmModules {
  readonly version: 2;
  /** The memory maximum the modules import, in 64 KiB pages. */
  readonly maxPages: number;
  /** One module per kernel of `plan.kernelIR`, in the same order. */
  readonly modules: readonly StoredModule[];
}

/** 64-bit FNV-1a over the bytes (two 32-bit halves), as 16 hex digits: a cache key, not a signature. */
export const contentHash = (bytes: Uint8Array): string => {
  let lo = 0x84222325;
  let hi = 0xcbf29ce4;
  for (let i = 0; i < bytes.length; i++) {
    lo ^= bytes[i];
    // multiply by the FNV prime 2^40 + 0x1b3, mod 2^64, in 32-bit halves
    const a = Math.imul(lo, 0x1b3);
    const carry = Math.floor(((lo >>> 0) * 0x1b3) / 2 ** 32);
    hi = (Math.imul(hi, 0x1b3) + Math.imul(lo, 0x100) + carry) | 0;
    lo = a;
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
};

export const toBase64 = (bytes: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};

export const moduleBytes = (m: StoredModule): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(m.bytes), (ch) => ch.charCodeAt(0));

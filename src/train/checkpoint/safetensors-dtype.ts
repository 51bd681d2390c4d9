// The dtypes of the safetensors format (https://github.com/huggingface/safetensors) and their sizes in bytes.
export const DTYPE_BYTES = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
} as const;

export type Dtype = keyof typeof DTYPE_BYTES;

export const DTYPES = Object.keys(DTYPE_BYTES) as Dtype[];

export const isDtype = (s: string): s is Dtype => Object.prototype.hasOwnProperty.call(DTYPE_BYTES, s);

/** A tensor as the file holds it: little-endian bytes, row-major. */
export interface RawTensor {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

export const elementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const swapped = (bytes: Uint8Array, width: number): Uint8Array => {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) for (let j = 0; j < width; j++) out[i + j] = bytes[i + width - 1 - j];
  return out;
};

// byte views, never numbers: reading a float into a JS number could canonicalise a NaN's payload
/** The f32 values as little-endian bytes (a view of the array on little-endian machines). */
export const f32Bytes = (a: Float32Array): Uint8Array => {
  const view = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return LITTLE_ENDIAN ? view : swapped(view, 4);
};

/** A fresh, aligned Float32Array from little-endian bytes, bit for bit. */
// new Uint8Array(bytes) copies; a Node Buffer's slice() would not
export const f32FromBytes = (bytes: Uint8Array): Float32Array => new Float32Array((LITTLE_ENDIAN ? new Uint8Array(bytes) : swapped(bytes, 4)).buffer);

export const f32Tensor = (data: Float32Array, shape: readonly number[] = [data.length]): RawTensor => ({ dtype: 'F32', shape, data: f32Bytes(data) });

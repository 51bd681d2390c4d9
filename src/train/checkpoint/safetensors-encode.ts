// The safetensors layout: u64 little-endian header length N, N bytes of JSON header (space-padded to a
// multiple of 8, so the data is aligned), then every tensor's bytes back to back in header order.
import type { RawTensor } from './safetensors-dtype.js';
import { DTYPE_BYTES, elementCount } from './safetensors-dtype.js';

export const METADATA_KEY = '__metadata__';

/** The header for tensors laid out in the given order from offset 0, without gaps. */
export const safetensorsHeader = (tensors: Readonly<Record<string, RawTensor>>, metadata: Readonly<Record<string, string>> = {}): Record<string, unknown> => {
  let offset = 0;
  const entries = Object.entries(tensors).map(([name, t]) => {
    const bytes = elementCount(t.shape) * DTYPE_BYTES[t.dtype];
    // a caller's bug, not a problem with a file: the data cannot be what the shape says
    if (t.data.length !== bytes) throw new RangeError(`safetensors: tensor '${name}' ${t.dtype} [${t.shape.join(', ')}] needs ${bytes} bytes, got ${t.data.length}`);
    if (name === METADATA_KEY) throw new RangeError(`safetensors: '${METADATA_KEY}' is reserved and cannot name a tensor`);
    const entry = [name, { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] }] as const;
    offset += bytes;
    return entry;
  });
  return Object.fromEntries([...(Object.keys(metadata).length ? [[METADATA_KEY, { ...metadata }] as const] : []), ...entries]);
};

/** The whole file. Throws RangeError only when a tensor's bytes do not match its dtype and shape. */
export const encodeSafetensors = (tensors: Readonly<Record<string, RawTensor>>, metadata: Readonly<Record<string, string>> = {}): Uint8Array => {
  const json = new TextEncoder().encode(JSON.stringify(safetensorsHeader(tensors, metadata)));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const dataLength = Object.values(tensors).reduce((n, t) => n + t.data.length, 0);
  const out = new Uint8Array(8 + headerLength + dataLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of Object.values(tensors)) {
    out.set(t.data, at);
    at += t.data.length;
  }
  return out;
};

// SHA-256 over the tensor byte buffer, hex: hashing the tensors in data order equals hashing the buffer they tile.
import { createHash } from 'node:crypto';

export const sha256Hex = (chunks: Iterable<Uint8Array>): string => {
  const hash = createHash('sha256');
  for (const c of chunks) hash.update(c);
  return hash.digest('hex');
};

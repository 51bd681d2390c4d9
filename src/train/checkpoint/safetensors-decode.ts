// Decoding a whole safetensors file: header, entries, metadata and layout, every problem at once.
import * as E from 'fp-ts/lib/Either.js';
import type { Problem } from './problem.js';
import type { RawTensor } from './safetensors-dtype.js';
import type { HeaderEntry, RawHeader } from './safetensors-header.js';
import { decodeEntry, metadataOf, offsetsOf, readHeader } from './safetensors-header.js';
import { layoutProblems } from './safetensors-layout.js';
import { METADATA_KEY } from './safetensors-encode.js';

export interface Safetensors {
  /** In data order; each tensor's bytes are a view into the file's bytes. */
  readonly tensors: Readonly<Record<string, RawTensor>>;
  readonly metadata: Readonly<Record<string, string>>;
  /** The byte buffer after the header, which the tensors tile. */
  readonly data: Uint8Array;
}

export const decodeSafetensors = (bytes: Uint8Array): E.Either<Problem[], Safetensors> =>
  E.chain(({ json, dataStart }: RawHeader) => {
    const problems: Problem[] = [];
    const entries: Array<readonly [string, HeaderEntry]> = [];
    const ranges = Object.entries(json).flatMap(([name, raw]) => {
      const range = name === METADATA_KEY ? undefined : offsetsOf(raw);
      return range ? [[name, range] as const] : [];
    });
    for (const [name, raw] of Object.entries(json)) {
      if (name === METADATA_KEY) continue;
      const entry = decodeEntry(name, raw);
      if (E.isLeft(entry)) problems.push(...entry.left);
      else entries.push([name, entry.right]);
    }
    const metadata = metadataOf(json);
    if (E.isLeft(metadata)) problems.push(...metadata.left);
    const data = bytes.subarray(dataStart);
    // every readable range takes part, so a bad dtype does not also show up as a gap where its tensor lies
    problems.push(...layoutProblems(ranges, data.length));
    if (problems.length || E.isLeft(metadata)) return E.left(problems);
    const inOrder = [...entries].sort(([, a], [, b]) => a.begin - b.begin);
    const tensors = Object.fromEntries(inOrder.map(([name, { dtype, shape, begin, end }]) => [name, { dtype, shape, data: data.subarray(begin, end) }]));
    return E.right({ tensors, metadata: metadata.right, data });
  })(readHeader(bytes));

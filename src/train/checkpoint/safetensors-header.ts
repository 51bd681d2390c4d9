// Reading a safetensors header: the length prefix, the JSON, and each tensor entry on its own.
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import type { Problem } from './problem.js';
import { fileProblem, problemAt } from './problem.js';
import { NonNegativeInteger, decodeProblems, show } from './decode-errors.js';
import type { Dtype } from './safetensors-dtype.js';
import { DTYPES, DTYPE_BYTES, elementCount, isDtype } from './safetensors-dtype.js';
import { METADATA_KEY } from './safetensors-encode.js';

export interface HeaderEntry {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** Byte range relative to the start of the data, which follows the header. */
  readonly begin: number;
  readonly end: number;
}

export interface RawHeader {
  readonly json: Readonly<Record<string, unknown>>;
  /** Where the data starts in the file: 8 + header length. */
  readonly dataStart: number;
}

const EntryCodec = t.type({ dtype: t.string, shape: t.array(NonNegativeInteger), data_offsets: t.tuple([NonNegativeInteger, NonNegativeInteger]) });

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/** The length prefix and the JSON object after it; nothing else can be checked without them. */
export const readHeader = (bytes: Uint8Array): E.Either<Problem[], RawHeader> => {
  if (bytes.length < 8) return E.left([fileProblem(`${bytes.length} bytes: too short for safetensors, which starts with an 8-byte header length`)]);
  const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(bytes.length - 8)) return E.left([fileProblem(`header length ${length} runs past the end of the file (${bytes.length} bytes, ${bytes.length - 8} after the length)`)]);
  const dataStart = 8 + Number(length);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    return E.left([problemAt(['header'], 'not valid UTF-8')]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return E.left([problemAt(['header'], `not JSON: ${(e as Error).message}`)]);
  }
  if (!isRecord(json)) return E.left([problemAt(['header'], `expected a JSON object of tensors, got ${show(json)}`)]);
  return E.right({ json, dataStart });
};

/** The `__metadata__` map of strings, or its problems. Absent is empty. */
export const metadataOf = (json: Readonly<Record<string, unknown>>): E.Either<Problem[], Record<string, string>> => {
  const raw = json[METADATA_KEY];
  if (raw === undefined) return E.right({});
  if (!isRecord(raw)) return E.left([problemAt([METADATA_KEY], `expected an object of strings, got ${show(raw)}`)]);
  const bad = Object.entries(raw).filter(([, v]) => typeof v !== 'string');
  return bad.length ? E.left(bad.map(([k, v]) => problemAt([METADATA_KEY, k], `expected a string, got ${show(v)}`))) : E.right(raw as Record<string, string>);
};

/** The byte range of an entry whose data_offsets are readable, whatever else is wrong with it: for layout checks. */
export const offsetsOf = (raw: unknown): { readonly begin: number; readonly end: number } | undefined => {
  const o = isRecord(raw) ? raw.data_offsets : undefined;
  return Array.isArray(o) && o.length === 2 && o.every((n) => NonNegativeInteger.is(n)) && o[0] <= o[1] ? { begin: o[0], end: o[1] } : undefined;
};

/** One tensor entry: its fields' types, a known dtype, ordered offsets, and a byte range that fits its shape. */
export const decodeEntry = (name: string, raw: unknown): E.Either<Problem[], HeaderEntry> => {
  const at = ['header', name];
  const decoded = EntryCodec.decode(raw);
  if (E.isLeft(decoded)) return E.left(isRecord(raw) ? decodeProblems(at, decoded.left) : [problemAt(at, `expected {dtype, shape, data_offsets}, got ${show(raw)}`)]);
  const { dtype, shape, data_offsets: [begin, end] } = decoded.right;
  if (!isDtype(dtype)) return E.left([problemAt([...at, 'dtype'], `unknown dtype ${show(dtype)} (safetensors dtypes: ${DTYPES.join(', ')})`)]);
  if (begin > end) return E.left([problemAt([...at, 'data_offsets'], `[${begin}, ${end}] begins after it ends`)]);
  const count = elementCount(shape);
  const bytes = count * DTYPE_BYTES[dtype];
  if (bytes !== end - begin) {
    return E.left([problemAt(at, `shape [${shape.join(', ')}] holds ${count} ${dtype} elements (${bytes} bytes), but data_offsets [${begin}, ${end}] span ${end - begin} bytes`)]);
  }
  return E.right({ dtype, shape, begin, end });
};

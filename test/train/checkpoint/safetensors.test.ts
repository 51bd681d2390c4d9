import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Problem, RawTensor } from '../../../src/train/checkpoint/index.js';
import { decodeSafetensors, encodeSafetensors, f32FromBytes, f32Tensor } from '../../../src/train/checkpoint/index.js';
import { left, right } from './fixtures.js';

/** A file by the spec, by hand: u64 LE header length, the header text as given (no padding), the data bytes. */
const file = (header: unknown, data: ArrayLike<number> = []): Uint8Array => {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
};

const problems = (bytes: Uint8Array): Problem[] => left(decodeSafetensors(bytes));
const F32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

describe('safetensors: the layout of the spec', () => {
  it('decodes a file built by hand from the spec, byte by byte', () => {
    const header = '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[1,1],"data_offsets":[8,12]},"c":{"dtype":"U8","shape":[3],"data_offsets":[12,15]}}';
    // 1.0 = 0x3f800000, -2.5 = 0xc0200000, little-endian; then i32 7; then three bytes
    const data = [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0, 0x07, 0x00, 0x00, 0x00, 0x01, 0x02, 0xff];
    const bytes = file(header, data);
    assert.equal(header.length % 8 !== 0, true, 'an unpadded header, so the data starts unaligned');
    const st = right(decodeSafetensors(bytes));
    assert.deepEqual(st.metadata, { format: 'pt' });
    assert.deepEqual(Object.keys(st.tensors), ['a', 'b', 'c']);
    assert.deepEqual(Array.from(f32FromBytes(st.tensors.a.data)), [1, -2.5]);
    assert.deepEqual({ dtype: st.tensors.b.dtype, shape: st.tensors.b.shape, data: Array.from(st.tensors.b.data) }, { dtype: 'I32', shape: [1, 1], data: [7, 0, 0, 0] });
    assert.deepEqual(Array.from(st.tensors.c.data), [1, 2, 255]);
    assert.deepEqual(Array.from(st.data), data);
  });

  it('decodes a file written by the Python safetensors package (0.8.0, numpy: F64 [1.5, -0.0], F32 arange(6) [2, 3], I32 [7])', () => {
    const hex =
      'c8000000000000007b225f5f6d657461646174615f5f223a7b22666f726d6174223a226e70227d2c227a223a7b226474797065223a22463634222c227368617065223a5b325d2c22646174615f6f666673657473223a5b302c31365d7d2c2262223a7b226474797065223a22463332222c227368617065223a5b322c335d2c22646174615f6f666673657473223a5b31362c34305d7d2c2261223a7b226474797065223a22493332222c227368617065223a5b315d2c22646174615f6f666673657473223a5b34302c34345d7d7d2020' +
      '000000000000f83f0000000000000080000000000000803f0000004000004040000080400000a04007000000';
    const st = right(decodeSafetensors(Uint8Array.from(Buffer.from(hex, 'hex'))));
    assert.deepEqual(st.metadata, { format: 'np' });
    assert.deepEqual(Object.entries(st.tensors).map(([k, t]) => [k, t.dtype, t.shape]), [['z', 'F64', [2]], ['b', 'F32', [2, 3]], ['a', 'I32', [1]]]);
    assert.deepEqual(Array.from(new Float64Array(st.tensors.z.data.slice().buffer)), [1.5, -0]);
    assert.deepEqual(Array.from(f32FromBytes(st.tensors.b.data)), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(Array.from(st.tensors.a.data), [7, 0, 0, 0]);
  });

  it('encodes the header and data exactly as the spec lays them out, the header space-padded to 8 bytes', () => {
    const u8: RawTensor = { dtype: 'U8', shape: [3], data: Uint8Array.of(1, 2, 255) };
    const bytes = encodeSafetensors({ a: f32Tensor(Float32Array.of(1, -2.5)), c: u8 }, { format: 'pt' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal(n % 8, 0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    const json = '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"c":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}';
    assert.equal(text, json + ' '.repeat(n - json.length));
    assert.deepEqual(Array.from(bytes.subarray(8 + n)), [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0, 1, 2, 255]);
    assert.equal(bytes.length, 8 + n + 11);
  });

  it('round-trips every dtype, scalars and empty tensors; no metadata means no __metadata__ key', () => {
    const tensors: Record<string, RawTensor> = {
      f64: { dtype: 'F64', shape: [2], data: Uint8Array.from({ length: 16 }, (_, i) => i * 7) },
      bf16: { dtype: 'BF16', shape: [1, 3], data: Uint8Array.from({ length: 6 }, (_, i) => 200 - i) },
      scalar: { dtype: 'I64', shape: [], data: Uint8Array.from({ length: 8 }, (_, i) => i) },
      empty: { dtype: 'F32', shape: [0, 4], data: new Uint8Array(0) },
      flag: { dtype: 'BOOL', shape: [2], data: Uint8Array.of(1, 0) },
    };
    const bytes = encodeSafetensors(tensors);
    assert.ok(!new TextDecoder().decode(bytes).includes('__metadata__'));
    const st = right(decodeSafetensors(bytes));
    assert.deepEqual(st.metadata, {});
    assert.deepEqual(
      Object.fromEntries(Object.entries(st.tensors).map(([k, t]) => [k, { ...t, data: Array.from(t.data) }])),
      Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { ...t, data: Array.from(t.data) }])),
    );
  });

  it('refuses to encode bytes that do not fit their shape (a caller bug, not a file problem)', () => {
    assert.throws(() => encodeSafetensors({ a: { dtype: 'F32', shape: [3], data: new Uint8Array(8) } }), /tensor 'a' F32 \[3\] needs 12 bytes, got 8/);
  });
});

describe('safetensors: what a reader rejects', () => {
  it('a file shorter than the 8-byte length', () => {
    assert.deepEqual(problems(new Uint8Array(5)), [{ path: '(file)', message: '5 bytes: too short for safetensors, which starts with an 8-byte header length' }]);
  });

  it('a header length beyond the file, up to u64 max', () => {
    const bytes = file('{}', []);
    new DataView(bytes.buffer).setBigUint64(0, 100n, true);
    assert.deepEqual(problems(bytes), [{ path: '(file)', message: 'header length 100 runs past the end of the file (10 bytes, 2 after the length)' }]);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    assert.match(problems(bytes)[0].message, /^header length 18446744073709551615 runs past the end of the file/);
  });

  it('a header that is not JSON, not UTF-8, or not an object', () => {
    const [notJson] = problems(file('{"a": {"dtype"'));
    assert.equal(notJson.path, 'header');
    assert.match(notJson.message, /^not JSON: /);
    const bad = file('{}');
    bad[8] = 0xff;
    assert.deepEqual(problems(bad), [{ path: 'header', message: 'not valid UTF-8' }]);
    assert.deepEqual(problems(file('[1,2]')), [{ path: 'header', message: 'expected a JSON object of tensors, got [1,2]' }]);
  });

  it('an unknown dtype, naming the tensor and the known ones', () => {
    assert.deepEqual(problems(file({ w: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0])), [
      { path: 'header.w.dtype', message: 'unknown dtype "F33" (safetensors dtypes: BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64)' },
    ]);
  });

  it('ill-typed entries: every field with its path', () => {
    const ps = problems(file({ 'param/w': { shape: [2, -1], data_offsets: [0, 'x'] }, b: 3 }, []));
    assert.deepEqual(ps, [
      { path: 'header["param/w"].dtype', message: 'missing (expected string)' },
      { path: 'header["param/w"].shape[1]', message: 'expected non-negative integer, got -1' },
      { path: 'header["param/w"].data_offsets[1]', message: 'expected non-negative integer, got "x"' },
      { path: 'header.b', message: 'expected {dtype, shape, data_offsets}, got 3' },
    ]);
  });

  it('offsets that begin after they end, and a shape whose size does not match its byte range', () => {
    assert.deepEqual(problems(file({ w: F32([1], 4, 0) }, [0, 0, 0, 0])), [
      { path: 'header.w.data_offsets', message: '[4, 0] begins after it ends' },
      { path: 'data', message: '4 bytes after the last tensor (from 0) belong to no tensor' },
    ]);
    assert.deepEqual(problems(file({ w: F32([2, 3], 0, 20) }, new Array(20).fill(0))), [
      { path: 'header.w', message: 'shape [2, 3] holds 6 F32 elements (24 bytes), but data_offsets [0, 20] span 20 bytes' },
    ]);
  });

  it('overlapping tensors, and gaps between them', () => {
    assert.deepEqual(problems(file({ a: F32([2], 0, 8), b: F32([2], 4, 12) }, new Array(12).fill(0))), [{ path: 'header.b.data_offsets', message: "[4, 12] overlaps 'a', which ends at 8" }]);
    assert.deepEqual(problems(file({ a: F32([1], 0, 4), b: F32([1], 8, 12) }, new Array(12).fill(0))), [{ path: 'header.b.data_offsets', message: '[8, 12] leaves a gap: data bytes [4, 8) belong to no tensor' }]);
    assert.deepEqual(problems(file({ a: F32([1], 4, 8) }, new Array(8).fill(0))), [{ path: 'header.a.data_offsets', message: '[4, 8] leaves a gap: data bytes [0, 4) belong to no tensor' }]);
  });

  it('offsets out of range, and bytes after the last tensor', () => {
    assert.deepEqual(problems(file({ a: F32([1], 0, 4), b: F32([1], 40, 44) }, new Array(8).fill(0))), [
      { path: 'header.b.data_offsets', message: '[40, 44] leaves a gap: data bytes [4, 40) belong to no tensor' },
      { path: 'header.b.data_offsets', message: '[40, 44] runs past the end of the data (8 bytes)' },
    ]);
    assert.deepEqual(problems(file({ a: F32([1], 0, 4) }, new Array(6).fill(0))), [{ path: 'data', message: '2 bytes after the last tensor (from 4) belong to no tensor' }]);
  });

  it('a truncated buffer is one problem, however many tensors it cuts', () => {
    const whole = encodeSafetensors({ a: f32Tensor(new Float32Array(4)), b: f32Tensor(new Float32Array(2)) });
    assert.deepEqual(problems(whole.subarray(0, whole.length - 11)), [{ path: 'data', message: 'truncated: the tensors need 24 bytes of data after the header, the file holds 13 (11 missing)' }]);
  });

  it('metadata that is not a map of strings', () => {
    assert.deepEqual(problems(file({ __metadata__: { ok: 'x', step: 3, nested: {} } })), [
      { path: '__metadata__.step', message: 'expected a string, got 3' },
      { path: '__metadata__.nested', message: 'expected a string, got {}' },
    ]);
    assert.deepEqual(problems(file({ __metadata__: ['x'] })), [{ path: '__metadata__', message: 'expected an object of strings, got ["x"]' }]);
  });

  it('reports problems of different tensors and the metadata together; a bad entry is not also a gap', () => {
    const ps = problems(file({ __metadata__: { n: 1 }, a: F32([1], 0, 4), b: { dtype: 'Q4', shape: [1], data_offsets: [4, 8] }, c: F32([1], 12, 16) }, new Array(16).fill(0)));
    assert.deepEqual(ps.map((p) => p.path), ['header.b.dtype', '__metadata__.n', 'header.c.data_offsets']);
  });
});

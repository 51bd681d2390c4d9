import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { CheckpointExpectation, Problem, RawTensor } from '../../../src/train/checkpoint/index.js';
import { decodeCheckpoint, decodeSafetensors, encodeCheckpoint, encodeSafetensors, f32Tensor, formatCheckpointProblem, generatorVersionProblems, loadCheckpoint, saveCheckpoint } from '../../../src/train/checkpoint/index.js';
import { GENERATOR_VERSION } from '../../../src/dsl/counter-hash.js';
import { CHECKPOINT, META, SHAPES, bitsOf, left, right, tempDir } from './fixtures.js';

const encoded = () => right(encodeCheckpoint(CHECKPOINT)).bytes;

/** A checkpoint file rebuilt with other tensors or metadata, its checksum made right again unless given. */
const rebuilt = (edit: { tensors?: (ts: Record<string, RawTensor>) => Record<string, RawTensor>; meta?: Record<string, string | undefined> }): Uint8Array => {
  const st = right(decodeSafetensors(encoded()));
  const tensors = (edit.tensors ?? ((ts) => ts))({ ...st.tensors });
  const hash = createHash('sha256');
  Object.values(tensors).forEach((t) => hash.update(t.data));
  const meta = { ...st.metadata, 'graft.checksum': JSON.stringify(hash.digest('hex')), ...edit.meta };
  return encodeSafetensors(tensors, Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined)) as Record<string, string>);
};

const problems = (bytes: Uint8Array, expect?: CheckpointExpectation): Problem[] => left(decodeCheckpoint(bytes, expect));

describe('checkpoint: round trip', () => {
  it('parameters and optimizer state come back bit for bit: -0, NaN payloads, infinities, denormals', () => {
    const back = right(decodeCheckpoint(encoded(), SHAPES));
    assert.deepEqual(bitsOf(back.params), bitsOf(CHECKPOINT.params));
    assert.deepEqual(bitsOf(back.optState), bitsOf(CHECKPOINT.optState));
    assert.deepEqual(back.meta, META);
    assert.deepEqual(back.shapes, SHAPES, "a tensor saved without a shape is 1-D ('enc.b')");
  });

  it('through a file: saveCheckpoint then loadCheckpoint; the checksum is SHA-256 of the data', () => {
    const file = join(tempDir(), 'step-12.safetensors');
    const saved = right(saveCheckpoint(file, CHECKPOINT));
    assert.equal(saved.bytes, statSync(file).size);
    const back = right(loadCheckpoint(file, SHAPES));
    assert.deepEqual(bitsOf(back.params), bitsOf(CHECKPOINT.params));
    assert.deepEqual(back.meta, META);
    const data = right(decodeSafetensors(readFileSync(file))).data;
    assert.equal(back.checksum, createHash('sha256').update(data).digest('hex'));
    assert.equal(saved.checksum, back.checksum);
  });

  it('is a plain safetensors file: param/ and opt/ tensors, graft.* metadata as JSON strings', () => {
    const st = right(decodeSafetensors(encoded()));
    assert.deepEqual(Object.keys(st.tensors), ['param/enc.w', 'param/enc.b', 'param/head.scale', 'opt/0/mu/enc.w', 'opt/0/count']);
    assert.deepEqual(st.tensors['param/enc.w'].shape, [2, 3]);
    const { 'graft.checksum': checksum, ...rest } = st.metadata;
    assert.match(checksum, /^"[0-9a-f]{64}"$/);
    assert.deepEqual(rest, {
      'graft.formatVersion': '1',
      'graft.step': '12',
      'graft.epoch': '3',
      'graft.phaseDepth': '1',
      'graft.best': '{"metric":0.4375,"depth":1,"epoch":2}',
      'graft.phaseProgress': JSON.stringify(META.phaseProgress),
      'graft.generator': `{"seed":17,"step":12,"version":${GENERATOR_VERSION}}`,
      'graft.config': '"sha256:0f1e2d"',
    });
  });

  it('the generator version: a writer that omits it records this graft\'s; a file that lacks it reads as version 1', () => {
    const { version: _, ...position } = META.generator;
    const stamped = right(decodeCheckpoint(right(encodeCheckpoint({ ...CHECKPOINT, meta: { ...META, generator: position } })).bytes));
    assert.deepEqual(stamped.meta.generator, { ...position, version: GENERATOR_VERSION });
    const old = right(decodeCheckpoint(rebuilt({ meta: { 'graft.generator': '{"seed":17,"step":12}' } })));
    assert.deepEqual(old.meta.generator, { seed: 17, step: 12, version: 1 });
  });

  it('a resume refuses another generator version, naming both and what would differ', () => {
    assert.deepEqual(generatorVersionProblems(META), []);
    const old = right(decodeCheckpoint(rebuilt({ meta: { 'graft.generator': '{"seed":17,"step":12}' } })));
    assert.deepEqual(generatorVersionProblems(old.meta), [
      {
        path: '__metadata__["graft.generator"].version',
        message: `drawn with random generator version 1, this graft draws with version ${GENERATOR_VERSION}: resuming would draw other dropout and Child-Tuning masks; start a new run (its weights still load)`,
      },
    ]);
  });

  it('without a best checkpoint, with empty state', () => {
    const { best: _, ...meta } = META;
    const back = right(decodeCheckpoint(right(encodeCheckpoint({ params: { w: Float32Array.of(1) }, optState: {}, meta })).bytes));
    assert.deepEqual(back.meta, meta);
    assert.deepEqual(back.optState, {});
  });
});

describe('checkpoint: what a reader rejects', () => {
  it('a corrupted byte in the data: checksum mismatch', () => {
    const bytes = encoded();
    bytes[bytes.length - 3] ^= 0x10;
    const ps = problems(bytes, SHAPES);
    assert.equal(ps.length, 1);
    assert.equal(ps[0].path, 'data');
    assert.match(ps[0].message, /^checksum mismatch: the metadata records SHA-256 [0-9a-f]{64}, the data hashes to [0-9a-f]{64}: the file is corrupt$/);
  });

  it('a safetensors file without graft metadata', () => {
    assert.deepEqual(problems(encodeSafetensors({ 'param/w': f32Tensor(Float32Array.of(1)) }, { format: 'pt' })), [
      { path: '__metadata__', message: 'no graft metadata (graft.step, graft.epoch, graft.phaseDepth, graft.best, graft.phaseProgress, graft.generator, graft.config, graft.checksum): not a graft checkpoint' },
    ]);
  });

  it('metadata missing or ill-typed: every field with its path, at once', () => {
    const bytes = rebuilt({ meta: { 'graft.step': '-1', 'graft.epoch': 'three', 'graft.best': '{"metric":"x","depth":1}', 'graft.generator': undefined, 'graft.config': '7', 'graft.phaseProgress': undefined } });
    assert.deepEqual(problems(bytes), [
      { path: '__metadata__["graft.step"]', message: 'expected non-negative integer, got -1' },
      { path: '__metadata__["graft.epoch"]', message: 'not JSON: Unexpected token \'h\', "three" is not valid JSON in "three"' },
      { path: '__metadata__["graft.best"].metric', message: 'expected finite number, got "x"' },
      { path: '__metadata__["graft.best"].epoch', message: 'missing (expected non-negative integer)' },
      { path: '__metadata__["graft.phaseProgress"]', message: 'missing (expected a JSON value)' },
      { path: '__metadata__["graft.generator"]', message: 'missing (expected { seed: non-negative integer, step: non-negative integer, version?: non-negative integer })' },
      { path: '__metadata__["graft.config"]', message: 'expected string, got 7' },
    ]);
  });

  it('another format version, or a checksum that is not one', () => {
    assert.deepEqual(problems(rebuilt({ meta: { 'graft.formatVersion': '2' } })), [{ path: '__metadata__["graft.formatVersion"]', message: 'format version 2 is not one this graft reads (1)' }]);
    assert.deepEqual(problems(rebuilt({ meta: { 'graft.checksum': '"abc"' } })), [{ path: '__metadata__["graft.checksum"]', message: 'expected SHA-256 as 64 lowercase hex digits, got "abc"' }]);
  });

  it('tensors the model lacks, tensors it does not have, and other shapes', () => {
    const expect: CheckpointExpectation = {
      params: { 'enc.w': [3, 2], 'enc.b': [3], 'new.w': [4] },
      optState: { '0/mu/enc.w': [3, 2], '0/count': [], '0/nu/enc.w': [3, 2] },
    };
    assert.deepEqual(problems(encoded(), expect), [
      { path: 'header["param/enc.w"].shape', message: "[2, 3], but the model's parameter 'enc.w' is [3, 2]" },
      { path: 'header["param/new.w"]', message: "missing: the model's parameter 'new.w' [4] has no tensor" },
      { path: 'header["param/head.scale"]', message: "'head.scale' is not a parameter of the model (its parameters: enc.w, enc.b, new.w)" },
      { path: 'header["opt/0/nu/enc.w"]', message: "missing: the optimizer's state leaf '0/nu/enc.w' [3, 2] has no tensor" },
    ]);
    assert.equal(problems(encoded(), { params: { 'enc.w': [2, 3], 'enc.b': [3] } }).length, 1, 'optimizer state is not checked unless expected');
  });

  it('tensors that are not graft tensors or not F32', () => {
    const bytes = rebuilt({ tensors: (ts) => ({ ...ts, 'param/enc.b': { dtype: 'F16', shape: [3], data: new Uint8Array(6) }, extra: f32Tensor(Float32Array.of(1)) }) });
    assert.deepEqual(problems(bytes), [
      { path: 'header["param/enc.b"].dtype', message: 'F16, but graft keeps parameters and optimizer state in F32' },
      { path: 'header.extra', message: "not a graft tensor: names start with 'param/' or 'opt/'" },
    ]);
  });

  it('reports problems of metadata, checksum and tensors together', () => {
    const bytes = rebuilt({ meta: { 'graft.epoch': '-2', 'graft.checksum': JSON.stringify('0'.repeat(64)) } });
    assert.deepEqual(problems(bytes, { params: { 'enc.w': [2, 3], 'enc.b': [3] } }).map((p) => p.path), ['__metadata__["graft.epoch"]', 'data', 'header["param/head.scale"]']);
  });

  it('names the file in every problem; a missing file is a problem, not an exception', () => {
    const dir = tempDir();
    const file = join(dir, 'bad.safetensors');
    const bytes = encoded();
    right(saveCheckpoint(file, CHECKPOINT));
    assert.deepEqual(left(loadCheckpoint(join(dir, 'none.safetensors'))), [{ file: join(dir, 'none.safetensors'), path: '(file)', message: 'no such file' }]);
    assert.deepEqual(left(loadCheckpoint(dir)), [{ file: dir, path: '(file)', message: 'is a directory, expected a file' }]);
    const ps = left(loadCheckpoint(file, { params: { 'enc.w': [2, 3] } }));
    assert.equal(formatCheckpointProblem(ps[0]), `${file}: header["param/enc.b"]: 'enc.b' is not a parameter of the model (its parameters: enc.w)`);
    assert.ok(bytes.length > 0);
  });
});

describe('checkpoint: what a writer refuses (nothing is written)', () => {
  it('metadata that would not read back: non-finite numbers, non-JSON progress, bad counts', () => {
    const file = join(tempDir(), 'c.safetensors');
    const meta = { ...META, epoch: NaN, step: 1.5, best: { metric: Infinity, depth: 1, epoch: 2 }, phaseProgress: { esBest: NaN, at: new Date(0), list: [1, undefined], skip: undefined } };
    assert.deepEqual(left(saveCheckpoint(file, { ...CHECKPOINT, meta })), [
      { file, path: 'meta.step', message: 'expected non-negative integer, got 1.5' },
      { file, path: 'meta.epoch', message: 'expected non-negative integer, got null' },
      { file, path: 'meta.best.metric', message: 'expected finite number, got null' },
      { file, path: 'meta.phaseProgress.esBest', message: 'NaN is not a JSON number' },
      { file, path: 'meta.phaseProgress.at', message: 'a Date is not a JSON value' },
      { file, path: 'meta.phaseProgress.list[1]', message: 'undefined in an array becomes null in JSON' },
    ]);
    assert.equal(existsSync(file), false);
  });

  it('a shape that does not fit its values', () => {
    const file = join(tempDir(), 'c.safetensors');
    const shapes = { params: { 'enc.b': [2, 2], 'enc.w': [-2, -3] } };
    assert.deepEqual(left(saveCheckpoint(file, { ...CHECKPOINT, shapes })), [
      { file, path: 'shapes.params["enc.b"]', message: "[2, 2] holds 4 elements, but params['enc.b'] holds 3" },
      { file, path: 'shapes.params["enc.w"]', message: '[-2, -3] is not a shape (dimensions are non-negative integers)' },
    ]);
    assert.equal(existsSync(file), false);
  });
});

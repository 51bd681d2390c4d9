// Shared values for the checkpoint tests: a sample checkpoint, bit views, temporary directories.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { Checkpoint, CheckpointMeta } from '../../../src/train/checkpoint/index.js';
import { GENERATOR_VERSION } from '../../../src/dsl/counter-hash.js';

export const right = <L, A>(e: E.Either<L, A>): A => {
  if (E.isLeft(e)) assert.fail(`expected Right, got ${JSON.stringify(e.left, null, 1)}`);
  return e.right;
};

export const left = <L, A>(e: E.Either<L, A>): L => {
  if (E.isRight(e)) assert.fail('expected Left, got Right');
  return e.left;
};

/** The IEEE bits of each value: equal bits, equal values, NaN payloads and -0 included. */
export const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));

export const bitsOf = (vs: Readonly<Record<string, Float32Array>>): Record<string, number[]> => Object.fromEntries(Object.entries(vs).map(([k, v]) => [k, bits(v)]));

export const fromBits = (words: number[]): Float32Array => new Float32Array(Uint32Array.from(words).buffer);

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'graft-ckpt-'));

export const META: CheckpointMeta = {
  step: 12,
  epoch: 3,
  phaseDepth: 1,
  best: { metric: 0.4375, depth: 1, epoch: 2 },
  phaseProgress: { depth: 1, maxEpochs: 20, phaseDone: false, wait: 0, esBest: 0.4375, best: { metric: 0.4375, depth: 1, epoch: 2 } },
  generator: { seed: 17, step: 12, version: GENERATOR_VERSION },
  config: 'sha256:0f1e2d',
};

// -0, a quiet NaN with a payload, a signalling NaN, ±Inf, the smallest and largest denormals, 1
export const SPECIAL_BITS = [0x80000000, 0x7fc00001, 0x7f800001, 0xffc12345, 0x7f800000, 0xff800000, 0x00000001, 0x007fffff, 0x3f800000];

export const CHECKPOINT: Checkpoint = {
  params: { 'enc.w': fromBits(SPECIAL_BITS.slice(0, 6)), 'enc.b': Float32Array.of(0.5, -1.25, 3), 'head.scale': Float32Array.of(2) },
  optState: { '0/mu/enc.w': fromBits(SPECIAL_BITS.slice(3, 9)), '0/count': Float32Array.of(12) },
  meta: META,
  shapes: { params: { 'enc.w': [2, 3], 'head.scale': [] }, optState: { '0/mu/enc.w': [3, 2], '0/count': [] } },
};

export const SHAPES = {
  params: { 'enc.w': [2, 3], 'enc.b': [3], 'head.scale': [] },
  optState: { '0/mu/enc.w': [3, 2], '0/count': [] },
};

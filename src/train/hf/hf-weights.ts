// The weights of a Hugging Face model folder: model.safetensors, or model.safetensors.index.json and its shards
// (transformers' order of preference). Every tensor keeps the file it came from, for messages.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { CheckpointProblem, RawTensor } from '../checkpoint/index.js';
import { decodeSafetensors } from '../checkpoint/index.js';
import { fileProblem, inFile, problemAt } from '../checkpoint/problem.js';
import { show } from '../checkpoint/decode-errors.js';

export const HF_FILES = { config: 'config.json', weights: 'model.safetensors', index: 'model.safetensors.index.json', tokenizer: 'tokenizer.json', tokenizerConfig: 'tokenizer_config.json' } as const;

/** Weight files transformers may write that graft does not read: pickles run code when loaded. */
const UNREAD = ['pytorch_model.bin', 'pytorch_model.bin.index.json', 'tf_model.h5', 'flax_model.msgpack'];

export interface HfTensor extends RawTensor {
  readonly file: string;
}

export interface HfWeights {
  /** The file that names the tensors: model.safetensors or the index. */
  readonly file: string;
  /** By checkpoint name, in file order (shard by shard). */
  readonly tensors: ReadonlyMap<string, HfTensor>;
}

export const readFileBytes = (file: string): E.Either<CheckpointProblem[], Uint8Array> => {
  try {
    const b = readFileSync(file);
    return E.right(new Uint8Array(b.buffer, b.byteOffset, b.length));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return E.left([inFile(file)(fileProblem(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a file' : (e as Error).message))]);
  }
};

export const readJsonFile = (file: string): E.Either<CheckpointProblem[], unknown> =>
  E.chain((bytes: Uint8Array) => {
    try {
      return E.right(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown);
    } catch (e) {
      return E.left([inFile(file)(fileProblem(`not JSON: ${(e as Error).message}`))]);
    }
  })(readFileBytes(file));

const readSafetensors = (file: string): E.Either<CheckpointProblem[], Array<[string, HfTensor]>> =>
  E.chain((bytes: Uint8Array) =>
    E.bimap(
      (ps: Array<{ path: string; message: string }>) => ps.map(inFile(file)),
      (st: { tensors: Readonly<Record<string, RawTensor>> }) => Object.entries(st.tensors).map(([n, t]): [string, HfTensor] => [n, { ...t, file }]),
    )(decodeSafetensors(bytes)),
  )(readFileBytes(file));

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/** The index's weight_map, every shard it names (each a plain file in the folder), and each shard matching its entries. */
const readSharded = (dir: string, indexFile: string): E.Either<CheckpointProblem[], HfWeights> =>
  E.chain((raw: unknown) => {
    const at = inFile(indexFile);
    const map = isRecord(raw) ? raw.weight_map : undefined;
    if (!isRecord(map)) return E.left([at(problemAt(['weight_map'], `expected an object of shard file names by tensor name, got ${show(map)}`))]);
    const problems: CheckpointProblem[] = [];
    const byShard = new Map<string, string[]>();
    for (const [name, shard] of Object.entries(map)) {
      if (typeof shard !== 'string' || shard === '' || basename(shard) !== shard || shard === '.' || shard === '..') {
        problems.push(at(problemAt(['weight_map', name], `expected the name of a shard file in ${dir}, got ${show(shard)}`)));
      } else byShard.set(shard, [...(byShard.get(shard) ?? []), name]);
    }
    const tensors = new Map<string, HfTensor>();
    for (const [shard, names] of byShard) {
      const file = join(dir, shard);
      const read = readSafetensors(file);
      if (E.isLeft(read)) {
        problems.push(...read.left.map((p) => (p.message === 'no such file' ? { ...p, message: `no such file (${indexFile} lists ${names.length} tensors in it)` } : p)));
        continue;
      }
      const held = new Map(read.right);
      for (const n of names) if (!held.has(n)) problems.push(at(problemAt(['weight_map', n], `${shard} holds no tensor '${n}'`)));
      for (const [n, t] of read.right) {
        if (map[n] === shard) tensors.set(n, t);
        else problems.push(inFile(file)(problemAt(['header', n], typeof map[n] === 'string' ? `the index puts '${n}' in ${String(map[n])}, not here` : `'${n}' is not in the index's weight_map`)));
      }
    }
    return problems.length ? E.left(problems) : E.right({ file: indexFile, tensors });
  })(readJsonFile(indexFile));

/** A folder's weights, or every problem with its files. */
export const readHfWeights = (dir: string): E.Either<CheckpointProblem[], HfWeights> => {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return E.left([inFile(dir)(fileProblem(existsSync(dir) ? 'is a file, expected a model folder' : 'no such folder'))]);
  const single = join(dir, HF_FILES.weights);
  if (existsSync(single)) return E.map((entries: Array<[string, HfTensor]>) => ({ file: single, tensors: new Map(entries) }))(readSafetensors(single));
  const index = join(dir, HF_FILES.index);
  if (existsSync(index)) return readSharded(dir, index);
  const others = UNREAD.filter((f) => existsSync(join(dir, f)));
  const hint = others.length ? `; it holds ${others.join(', ')}, which graft does not read (a pickle runs code when loaded): save with save_pretrained(..., safe_serialization=True)` : '';
  return E.left([inFile(dir)(fileProblem(`no ${HF_FILES.weights} or ${HF_FILES.index}${hint}`))]);
};

// A fine-tuning config file at the CLI's edge: read, parsed as its extension says, decoded and checked against the
// data; every problem names the file.
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { ResolvedFinetune } from '../train/finetune-config.js';
import { decodeFinetuneConfig } from '../train/finetune-config.js';
import { configFormat } from '../train/config-text.js';
import { mnistDataSizes } from '../train/mnist-job.js';
import type { FileProblem } from './files.js';
import { readText } from './files.js';
import { decodeOptions } from './options.js';
import { OutputDirOption } from './path-options.js';

/** `out` must be a folder graft can create runs in: checked on disk now, not met as ENOTDIR after training. */
const checkOut = (file: string) => (c: ResolvedFinetune): E.Either<FileProblem[], ResolvedFinetune> =>
  pipe(
    decodeOptions({ out: OutputDirOption }, { out: c.out }),
    E.bimap((ps) => ps.map((p) => ({ file, path: 'out', message: p.message })), () => c),
  );

export const readFinetuneConfig = (file: string): E.Either<FileProblem[], ResolvedFinetune> => {
  const inFile = E.mapLeft((ps: ReadonlyArray<{ path: string; message: string }>) => ps.map((p) => ({ file, ...p })));
  return pipe(
    inFile(configFormat(file)),
    E.chain((format) => pipe(readText(file), E.chain((text) => inFile(decodeFinetuneConfig(text, format, mnistDataSizes()))))),
    E.chain(checkOut(file)),
  );
};

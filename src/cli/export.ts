// `graft export <checkpoint> --hf <dir> --config <config.json|model-dir>`: a graft BERT checkpoint as a Hugging Face folder.
import * as E from 'fp-ts/lib/Either.js';
import { exportHfBert } from '../train/hf/index.js';
import { formatFileProblem } from './files.js';

export interface ExportOptions {
  readonly hf: string;
  readonly config: string;
  readonly force?: boolean;
}

/** The exit code: 0 written, 1 with every problem printed and nothing written. */
export const runExport = (checkpoint: string, opts: ExportOptions): number => {
  const r = exportHfBert(checkpoint, opts.config, opts.hf, opts.force ?? false);
  if (E.isLeft(r)) {
    r.left.forEach((p) => console.error(formatFileProblem(p)));
    console.error(`graft export: ${r.left.length} problem${r.left.length === 1 ? '' : 's'}; nothing written`);
    return 1;
  }
  const c = r.right.config;
  r.right.notes.forEach((n) => console.log(`note: ${n}`));
  console.log(`wrote ${r.right.dir}: config.json and model.safetensors (BertForSequenceClassification, ${c.numHiddenLayers} layers, hidden ${c.hiddenSize}, ${c.numLabels} labels, F32)`);
  return 0;
};

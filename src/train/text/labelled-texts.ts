// Users' labelled text for fine-tuning: a JSONL file (one object a line) or a CSV file (a header row, RFC 4180
// quoting) with a text column and a label column. Decoded at the edge: every problem (not UTF-8, a bad line, a
// missing column, an empty text, a label outside the model's label set) named with its file and line, all at once.
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';

export interface LabelledText {
  readonly text: string;
  /** Index into the label set. */
  readonly label: number;
}

export interface TextFileProblem {
  readonly file: string;
  /** `line 3`, `line 3: column "label"`, or `(file)`. */
  readonly path: string;
  readonly message: string;
}

export interface TextColumns {
  readonly text: string;
  readonly label: string;
  /** The model's labels (id2label in order); a label must be one of them. */
  readonly labels: readonly string[];
}

/** CSV records (RFC 4180: quoted fields may hold commas, newlines and doubled quotes), each with the line it starts on. */
export const parseCsv = (src: string): { records: Array<{ line: number; fields: string[] }>; problem?: string } => {
  const records: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let fresh = true;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') fields.push(field), (field = '');
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      if (!(fresh && field === '' && fields.length === 0)) records.push({ line: start, fields: [...fields, field] });
      fields = [];
      field = '';
      line++;
      start = line;
      fresh = true;
      continue;
    } else field += ch;
    fresh = false;
  }
  if (quoted) return { records, problem: `a quoted field opened on line ${start} is never closed` };
  if (!fresh || field !== '' || fields.length) records.push({ line: start, fields: [...fields, field] });
  return { records };
};

const rowsOf = (file: string, src: string, problems: TextFileProblem[]): Array<{ line: number; row: Record<string, unknown> }> => {
  if (/\.jsonl$/i.test(file)) {
    return src.split(/\r?\n/).flatMap((l, i) => {
      if (l.trim() === '') return [];
      try {
        const row = JSON.parse(l) as unknown;
        if (typeof row === 'object' && row !== null && !Array.isArray(row)) return [{ line: i + 1, row: row as Record<string, unknown> }];
        problems.push({ file, path: `line ${i + 1}`, message: 'expected a JSON object' });
      } catch (e) {
        problems.push({ file, path: `line ${i + 1}`, message: `not JSON: ${(e as Error).message}` });
      }
      return [];
    });
  }
  const { records, problem } = parseCsv(src);
  if (problem) problems.push({ file, path: '(file)', message: problem });
  const [header, ...body] = records;
  if (!header) return [];
  return body.map((r) => {
    if (r.fields.length !== header.fields.length) problems.push({ file, path: `line ${r.line}`, message: `${r.fields.length} fields, the header has ${header.fields.length}` });
    return { line: r.line, row: Object.fromEntries(header.fields.map((h, k) => [h, r.fields[k]])) };
  });
};

/** The examples of a .jsonl or .csv file, or every problem in it. */
export const readLabelledTexts = (file: string, columns: TextColumns, bytes: Uint8Array = readFileSync(file)): E.Either<TextFileProblem[], LabelledText[]> => {
  let src: string;
  try {
    src = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return E.left([{ file, path: '(file)', message: 'not UTF-8 text' }]);
  }
  if (!/\.(jsonl|csv)$/i.test(file)) return E.left([{ file, path: '(file)', message: 'expected a .jsonl or .csv file' }]);
  const problems: TextFileProblem[] = [];
  const rows = rowsOf(file, src, problems);
  if (rows.length === 0 && problems.length === 0) problems.push({ file, path: '(file)', message: 'no examples' });
  const out: LabelledText[] = [];
  for (const { line, row } of rows) {
    const at = (col: string) => `line ${line}: column ${JSON.stringify(col)}`;
    const text = row[columns.text];
    const label = row[columns.label];
    if (!(columns.text in row)) problems.push({ file, path: at(columns.text), message: `missing (columns: ${Object.keys(row).join(', ')})` });
    else if (typeof text !== 'string' || text.trim() === '') problems.push({ file, path: at(columns.text), message: `expected a non-empty text, got ${JSON.stringify(text)}` });
    const name = typeof label === 'number' ? String(label) : label;
    const index = typeof name === 'string' ? columns.labels.indexOf(name) : -1;
    if (!(columns.label in row)) problems.push({ file, path: at(columns.label), message: `missing (columns: ${Object.keys(row).join(', ')})` });
    else if (index < 0) problems.push({ file, path: at(columns.label), message: `${JSON.stringify(label)} is not one of the model's labels (${columns.labels.join(', ')})` });
    if (typeof text === 'string' && text.trim() !== '' && index >= 0) out.push({ text, label: index });
  }
  return problems.length ? E.left(problems) : E.right(out);
};

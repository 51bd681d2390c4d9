// A config file's text to a plain value: `.json` as strict JSON (errors at a line and column), `.yaml`/`.yml` as YAML.
import * as E from 'fp-ts/lib/Either.js';
import { extname } from 'node:path';
import { parse, parseDocument } from 'yaml';
import type { SpecProblem } from '../optim/model-spec.js';

export type ConfigFormat = 'json' | 'yaml';

/** A config file's format from its name: `.json` is read as strict JSON, `.yaml` and `.yml` as YAML. */
export const configFormat = (file: string): E.Either<SpecProblem[], ConfigFormat> => {
  const ext = extname(file).toLowerCase();
  return ext === '.json' ? E.right('json') : ext === '.yaml' || ext === '.yml' ? E.right('yaml') : E.left([{ path: '(file)', message: `expected a .yaml, .yml or .json file, got ${ext === '' ? 'a name without an extension' : `'${ext}'`}` }]);
};

const reportedOffset = (message: string): number | undefined => {
  const at = /at position (\d+)/.exec(message);
  return at ? Number(at[1]) : undefined;
};

/** Can `prefix` begin a JSON text? (It fails only at its end, or it parses.) */
const viableJsonPrefix = (prefix: string): boolean => {
  try {
    JSON.parse(prefix);
    return true;
  } catch (e) {
    const message = (e as Error).message;
    return /end of JSON input/.test(message) || (reportedOffset(message) ?? -1) >= prefix.length;
  }
};

/**
 * Where JSON.parse gave up, as a line and column: the offset its message gives, or (V8 leaves it out of "Unexpected
 * token" messages) the last character of the shortest prefix that cannot begin a JSON text, found by bisection.
 */
const jsonPosition = (text: string, message: string): string => {
  let offset = reportedOffset(message);
  if (offset === undefined) {
    let [lo, hi] = [0, text.length];
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (viableJsonPrefix(text.slice(0, mid))) lo = mid;
      else hi = mid;
    }
    offset = hi - 1;
  }
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
};

/** A yaml parser error at its line and column, like the JSON ones: its message without the position and the quoted text after it. */
const yamlProblem = (format: string, err: Error & { linePos?: ReadonlyArray<{ line: number; col: number }> }): SpecProblem => {
  const at = err.linePos?.[0];
  const first = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return { path: at ? `line ${at.line}, column ${at.col}` : '(file)', message: `not valid ${format}: ${first}` };
};

const parseJson = (text: string): E.Either<SpecProblem[], unknown> => {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    // V8's message may quote the text around the error: the line and column say where it is
    return E.left([{ path: jsonPosition(text, message), message: `not valid JSON: ${message.replace(/ in JSON at position \d+.*$/s, '').replace(/^(Unexpected token '.'), .*$/s, '$1')}` }]);
  }
  // JSON.parse keeps the last of two equal keys without a word; YAML's parser (JSON is YAML 1.2) names them
  const doc = parseDocument(text, { uniqueKeys: true });
  return doc.errors.length ? E.left(doc.errors.map((err) => yamlProblem('JSON', err))) : E.right(raw);
};

const parseYaml = (text: string): E.Either<SpecProblem[], unknown> => {
  try {
    return E.right(parse(text, { uniqueKeys: true }));
  } catch (e) {
    return E.left([yamlProblem('YAML', e as Error)]);
  }
};

/** The value a config text holds, parsed as its format says; duplicate keys are errors in both. */
export const parseConfigText = (text: string, format: ConfigFormat): E.Either<SpecProblem[], unknown> => (format === 'json' ? parseJson(text) : parseYaml(text));

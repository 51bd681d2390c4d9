// `npm run bench -- [suite...] [--sizes 1M,4M] [--quick] [--backend webasm|cpu|webgpu|auto]`
// stdout: one JSON line per measurement (and a {"check":"mismatch",...} line for any result that disagrees with
// the JS loop), so `npm run -s bench > out.jsonl` is machine-readable; stderr: progress and the aligned table.
import { parseArgs } from 'node:util';
import { parseBackendChoice } from '../src/runtime/index.js';
import type { Check, Row } from './harness.js';
import { jsonLine, sizeLabel, table } from './harness.js';
import { SUITES } from './suites.js';

const USAGE = `usage: npm run bench -- [${Object.keys(SUITES).join('|')} ...] [--sizes 1M,4M] [--quick] [--backend webasm|cpu|webgpu|auto]`;

/** `1M` = 2^20 elements, `256K` = 2^18, or a plain count. */
const parseSize = (s: string): number => {
  const m = /^(\d+)([KkMm]?)$/.exec(s.trim());
  if (!m) throw new Error(`--sizes: '${s}' is not a size like 1M, 256K or 1000`);
  return Number(m[1]) * (m[2] === '' ? 1 : m[2].toUpperCase() === 'K' ? 2 ** 10 : 2 ** 20);
};

const main = async () => {
  const { values, positionals } = parseArgs({
    options: { sizes: { type: 'string' }, quick: { type: 'boolean', default: false }, backend: { type: 'string', default: 'webasm' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) return void console.error(USAGE);
  const unknown = positionals.filter((s) => !(s in SUITES));
  if (unknown.length) throw new Error(`unknown suite(s) ${unknown.join(', ')}\n${USAGE}`);
  const names = positionals.length ? positionals : Object.keys(SUITES);
  const backend = parseBackendChoice(values.backend, '--backend');
  const quick = values.quick ?? false;
  const sizes = values.sizes?.split(',').map(parseSize);
  const rows: Row[] = [];
  const checks: Check[] = [];
  const started = performance.now();
  for (const name of names) {
    const suite = SUITES[name];
    const chosen = sizes ?? (quick ? suite.quickSizes : suite.defaultSizes);
    console.error(`bench: ${name} at ${chosen.map(sizeLabel).join(', ')} on ${backend}${quick ? ' (quick)' : ''}`);
    await suite.run({
      sizes: chosen,
      quick,
      backend,
      emit: (r) => {
        console.log(jsonLine(r));
        if ('check' in r) checks.push(r);
        else rows.push(r);
      },
    });
  }
  console.error(`\n${table(rows)}\n`);
  console.error(`${checks.length ? `${checks.length} correctness check(s) FAILED` : 'all results agree with the JS loop'}; ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (checks.length) process.exitCode = 1;
};

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 2;
});

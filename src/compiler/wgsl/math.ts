// pow for WGSL shaders. exp, log, tanh, erf and cos never reach a renderer (the lowering expands
// them into basic kernel IR ops), but pow stays one op (wasm calls the host's float64 Math.pow). WGSL's
// builtin pow may be 3 + 2|x| ulp off (and SwiftShader's was), so pow is exp(y·log|x|) over graft's own
// exp and log: the shared float32 steps (dsl/transcendentals) written as WGSL by the text algebra.
import type { Transcendental } from '../../dsl/transcendentals/index.js';
import { TRANSCENDENTALS } from '../../dsl/transcendentals/index.js';
import type { SourceDialect } from '../source-algebra.js';
import { textAlgebra } from '../source-algebra.js';
import { literal } from './literal.js';

/** WGSL spellings; 2^k and the exponent by their bits, as the kernel IR lowering computes them. */
const WGSL: SourceDialect = {
  lit: (v) => literal('f32', v),
  round: (e) => `(${e})`,
  call: (fn, a) => `${fn}(${a})`,
  select: (c, a, b) => `select(${b}, ${a}, ${c})`,
  pow2: (bind, k) => bind(`bitcast<f32>((i32(${k}) + 127) << 23u)`),
  exponent: (bind, x) => bind(`f32((bitcast<i32>(${x}) >> 23u) - 127)`),
};

/** A WGSL function `name(x: f32) -> f32` computing transcendental `fn` in its float32 steps. */
export const wgslTranscendental = (name: string, fn: Transcendental): string => {
  const lines: string[] = [];
  const bind = (expr: string) => {
    const v = `t${lines.length}`;
    lines.push(`  let ${v} = ${expr};`);
    return v;
  };
  const result = TRANSCENDENTALS[fn](textAlgebra(WGSL, bind), 'x');
  return [`fn ${name}(x: f32) -> f32 {`, ...lines, `  return ${result};`, `}`].join('\n');
};

// Math.pow's cases: x^0 = 1 (NaN^0 too); a negative base needs an integral exponent (its sign from the parity)
const POW = `fn graft_pow(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (x == 0.0) { return select(0.0, graft_f32(0x7f800000u), y < 0.0); }
  let p = graft_exp(y * graft_log(abs(x)));
  if (x > 0.0) { return p; }
  if (trunc(y) != y) { return graft_f32(0x7fc00000u); }
  return select(p, -p, trunc(y * 0.5) != y * 0.5);
}`;

const EXP = wgslTranscendental('graft_exp', 'exp');
const LOG = wgslTranscendental('graft_log', 'log');

/** Each function's source and the helpers it calls (non-finite constants call graft_f32). */
const helper = (source: string, calls: readonly ('graft_exp' | 'graft_log')[] = []) => ({ source, calls: [...calls, ...(source.includes('graft_f32(') ? (['graft_f32'] as const) : [])] });
export const MATH = {
  graft_exp: helper(EXP),
  graft_log: helper(LOG),
  graft_pow: helper(POW, ['graft_exp', 'graft_log']),
};

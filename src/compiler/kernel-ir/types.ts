// graft's kernel IR: plain, serialisable data that every renderer (wasm, later WGSL) reads.
// A kernel runs one body for each element index of [0, size); its values form an SSA graph.
import type { MatmulTiling } from './tiling.js';

/** Value types. Integer arithmetic wraps mod 2^32; i32 compares and divides signed, u32 unsigned. */
export type KType = 'f32' | 'i32' | 'u32' | 'bool';

export type KUnary =
  | 'neg' | 'abs' | 'sqrt' | 'floor' | 'trunc'
  /** bool: logical not; i32/u32: bitwise not. */
  | 'not';

export type KBinary =
  /** pow: a call to the host's Math.pow in float64, rounded to f32 (exp, log, tanh, erf, cos are expanded to basic ops). */
  | 'add' | 'sub' | 'mul' | 'div' | 'rem' | 'min' | 'max' | 'pow'
  | 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne'
  /** bool: logical; i32/u32: bitwise. */
  | 'and' | 'or' | 'xor'
  /** Shift counts are taken mod 32; shr is arithmetic on i32, logical on u32. */
  | 'shl' | 'shr';

export type KNode =
  /** The element index this body runs for (i32, in [0, size)). */
  | { readonly id: number; readonly op: 'index'; readonly type: 'i32' }
  | { readonly id: number; readonly op: 'const'; readonly type: KType; readonly value: number }
  /** Reads element `index` of a plan buffer (every buffer stores 4-byte floats today). */
  | { readonly id: number; readonly op: 'load'; readonly type: 'f32'; readonly buffer: number; readonly index: number }
  | { readonly id: number; readonly op: 'unary'; readonly type: KType; readonly fn: KUnary; readonly a: number }
  /** Comparisons have type bool; operands share one type. */
  | { readonly id: number; readonly op: 'binary'; readonly type: KType; readonly fn: KBinary; readonly a: number; readonly b: number }
  | { readonly id: number; readonly op: 'select'; readonly type: KType; readonly cond: number; readonly a: number; readonly b: number }
  /** Value conversion: f32 -> int truncates (saturating), bool -> number is 0/1, number -> bool is != 0. */
  | { readonly id: number; readonly op: 'cast'; readonly type: KType; readonly a: number }
  /** Same 32 bits read as another type (f32 <-> i32/u32). */
  | { readonly id: number; readonly op: 'bitcast'; readonly type: KType; readonly a: number }
  /** The counter of the accumulation `loop` (i32). */
  | { readonly id: number; readonly op: 'loopIndex'; readonly type: 'i32'; readonly loop: number }
  /**
   * acc = init; for j in [start, count): acc = acc (+ or max) value(j). The body's nodes run once
   * per j in order; they may read any value defined before this node.
   */
  | {
      readonly id: number;
      readonly op: 'accumulate';
      readonly type: KType;
      readonly fn: 'sum' | 'max';
      readonly start: number;
      readonly count: number;
      readonly init: number;
      readonly body: readonly KNode[];
      readonly value: number;
    };

/** Writes value `value` (f32) to element `index` of plan buffer `buffer`. */
export interface KStore {
  readonly buffer: number;
  readonly value: number;
}

export interface Kernel {
  readonly name: string;
  /** The index space: the body runs for every element index in [0, size). */
  readonly size: number;
  /** Plan buffers the kernel reads or writes, in parameter order. */
  readonly params: readonly number[];
  readonly nodes: readonly KNode[];
  readonly stores: readonly KStore[];
  /** The DSL ops this kernel computes, for people (e.g. `mul`, `reduce:sum`). */
  readonly fused: readonly string[];
  /** Optional schedule: a top-level accumulation that is a matrix product, for renderers that tile it (tiling.ts). */
  readonly tiling?: MatmulTiling;
}

/** Operand ids of a node (the body of an accumulation excluded). */
export const operands = (n: KNode): number[] => {
  switch (n.op) {
    case 'load':
      return [n.index];
    case 'unary':
    case 'cast':
    case 'bitcast':
      return [n.a];
    case 'binary':
      return [n.a, n.b];
    case 'select':
      return [n.cond, n.a, n.b];
    case 'accumulate':
      return [n.init];
    default:
      return [];
  }
};

/** Every node, accumulation bodies included, in definition order. */
export const allNodes = (nodes: readonly KNode[]): KNode[] =>
  nodes.flatMap((n) => (n.op === 'accumulate' ? [...allNodes(n.body), n] : [n]));

export const COMPARISONS: ReadonlySet<KBinary> = new Set(['lt', 'le', 'gt', 'ge', 'eq', 'ne']);

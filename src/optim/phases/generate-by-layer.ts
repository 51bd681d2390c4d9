// FTS's generated schedule merged into one phase per block of layers, as FTS users edit it for a short budget: the
// head (everything after the last numbered layer), the top layer(s), ..., the bottom layer(s), then the embeddings.
import type { ModelSpec } from '../model-spec.js';
import { DEFAULT_BASE_MAX_LR, generateSchedule } from './generate.js';
import type { Phase, Schedule } from './schedule.js';
import { NO_MAX_TRANSITION_EPOCH } from './schedule.js';

export interface LayerScheduleOptions {
  /** Numbered layers per phase (default 1); the last layer phase takes the bottom remainder. */
  readonly layersPerPhase?: number;
  /** lr of every phase after phase 0 (as generateSchedule). */
  readonly baseMaxLr?: number;
  /** Each phase's max_transition_epoch, phase by phase (missing entries: -1, early stopping only). */
  readonly maxTransitionEpochs?: readonly number[];
}

/** A numbered layer's block ('bert.encoder.layer.3', 'transformer.h.0'): the name up to its first all-digit segment. */
const blockOf = (name: string): string | undefined => {
  const parts = name.split('.');
  const at = parts.findIndex((p) => /^\d+$/.test(p));
  return at < 0 ? undefined : parts.slice(0, at + 1).join('.');
};

/**
 * Phases in FTS's order (output first, two parameters a phase in generateSchedule) merged: a layer's parameter joins
 * its block's phase, one before the first numbered layer (in the model's order) the embeddings phase, any other the
 * head phase. Every parameter lands in exactly one phase; empty groups are left out.
 */
export const generateLayerSchedule = (spec: ModelSpec, o: LayerScheduleOptions = {}): Schedule => {
  const per = Math.max(1, Math.floor(o.layersPerPhase ?? 1));
  const names = spec.parameters.map((p) => p.name);
  const block = new Map(names.map((n) => [n, blockOf(n)]));
  const first = names.findIndex((n) => block.get(n) !== undefined);
  const beforeFirst = new Set(first < 0 ? [] : names.slice(0, first));
  // the blocks from the top down (the model lists them bottom up), then cut into runs of `per`
  const blocks = [...new Set(names.flatMap((n) => block.get(n) ?? []))].reverse();
  const groupOfBlock = new Map(blocks.map((b, i) => [b, 1 + Math.floor(i / per)]));
  const layerGroups = Math.ceil(blocks.length / per);
  const groupOf = (name: string): number => {
    const b = block.get(name);
    return b !== undefined ? groupOfBlock.get(b)! : beforeFirst.has(name) ? layerGroups + 1 : 0;
  };
  const groups: string[][] = Array.from({ length: layerGroups + 2 }, () => []);
  // FTS's generated order (reversed names) within each merged phase
  for (const n of generateSchedule(spec).flatMap((p) => p.params)) groups[groupOf(n)].push(n);
  const kept = groups.filter((g) => g.length > 0);
  return kept.map((params, k): Phase => {
    const mte = o.maxTransitionEpochs?.[k] ?? NO_MAX_TRANSITION_EPOCH;
    return k === 0 ? { params, max_transition_epoch: mte } : { params, max_transition_epoch: mte, lr: o.baseMaxLr ?? DEFAULT_BASE_MAX_LR };
  });
};

// Weight decay on weights only: biases and normalisation gains go to a group with decay 0.
import type { Transform } from './transform.js';
import { partition, groupsOf } from './combinators/partition.js';
import type { NameSelector } from './combinators/select.js';
import { selects } from './combinators/select.js';

/** Biases, LayerNorm/GPT-2 `ln_*` weights and biases, and other normalisation gains. */
export const DEFAULT_NO_DECAY: readonly RegExp[] = [
  /(^|\.)bias$/,
  /(^|\.)LayerNorm\.weight$/,
  /(^|\.)ln_[^.]*\.(weight|bias)$/,
  /(^|\.)(layer_?norm|norm|ln|rms_?norm|group_?norm|batch_?norm|bn)[^.]*\.(weight|gamma|scale)$/i,
];

export interface DecayGroups {
  readonly decay: readonly string[];
  readonly noDecay: readonly string[];
}

export const decayGroups = (names: readonly string[], noDecay: NameSelector = DEFAULT_NO_DECAY): DecayGroups => {
  const skip = selects(noDecay);
  return { decay: names.filter((n) => !skip(n)), noDecay: names.filter(skip) };
};

/** Which parameter went to which group, one per line, so a wrong pattern is visible. */
export const describeDecayGroups = (groups: DecayGroups): string =>
  [`decay (${groups.decay.length}):`, ...groups.decay.map((n) => `  ${n}`), `no decay (${groups.noDecay.length}):`, ...groups.noDecay.map((n) => `  ${n}`)].join('\n');

/** `make(weightDecay)` for weights, `make(0)` for the no-decay group. */
export const withDecayGroups = (make: (weightDecay: number) => Transform<any>, weightDecay: number, noDecay: NameSelector = DEFAULT_NO_DECAY) =>
  partition({ decay: make(weightDecay), no_decay: make(0) }, (name) => (selects(noDecay)(name) ? 'no_decay' : 'decay'));

export { groupsOf };

// Why a fine-tuned classifier can score 0%: its head still predicts the classes it was pre-trained on,
// which never occur among the new labels. Measured from the run's own test predictions.

/** How many predictions fell in each class 0..classes-1. */
export const classCounts = (predictions: ArrayLike<number>, classes: number): number[] => {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < predictions.length; i++) counts[predictions[i]] += 1;
  return counts;
};

/** "0-4" for a run of consecutive classes, else "0, 2, 7". */
export const classList = (classes: readonly number[]): string => {
  const sorted = [...classes].sort((a, b) => a - b);
  const consecutive = sorted.length > 2 && sorted.every((c, i) => i === 0 || c === sorted[i - 1] + 1);
  return consecutive ? `${sorted[0]}-${sorted[sorted.length - 1]}` : sorted.join(', ');
};

export interface StaleHead {
  /** Predictions that fell in the pre-training classes, of `total`. */
  readonly stale: number;
  readonly total: number;
}

/** How many of the predictions counted in `counts` are one of the `pretrained` classes. */
export const staleHead = (counts: readonly number[], pretrained: readonly number[]): StaleHead => ({
  stale: pretrained.reduce((a, c) => a + (counts[c] ?? 0), 0),
  total: counts.reduce((a, b) => a + b, 0),
});

/**
 * One line when most (at least half) of the predictions are pre-training classes, none of which is
 * among the `tested` ones: the new head has not taken over in `steps` optimizer steps. Undefined otherwise.
 */
export const staleHeadNote = (counts: readonly number[], o: { readonly pretrained: readonly number[]; readonly tested: readonly number[]; readonly steps: number }): string | undefined => {
  const { stale, total } = staleHead(counts, o.pretrained);
  if (total === 0 || 2 * stale < total || o.pretrained.some((c) => o.tested.includes(c))) return undefined;
  const which = stale === total ? `all ${total} test predictions are` : `${((100 * stale) / total).toFixed(1)}% of the ${total} test predictions (${stale}) are`;
  return `${which} still pre-training classes ${classList(o.pretrained)}, while the test images are ${classList(o.tested)}: ${o.steps} optimizer step${o.steps === 1 ? '' : 's'} did not let the new head take over (train more steps: more epochs, more labelled images or a smaller batch)`;
};

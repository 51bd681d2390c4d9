// What a resumed run says it does, from what metrics.jsonl recorded and what its checkpoint holds.

const span = (from: number, to: number) => (from === to ? `epoch ${from}` : `epochs ${from}-${to}`);

/**
 * The line a resume logs for one run: `recorded` is the last epoch metrics.jsonl has for it, `checkpointed` the epoch
 * its checkpoint was saved after (0 when it has none: it trains from the start).
 */
export const resumeNote = (run: string, recorded: number, checkpointed: number): string => {
  if (checkpointed === 0) return `${run}: its checkpoint is missing; training it again from the start (${span(1, recorded)} in metrics.jsonl will be replaced)`;
  const note = `${run}: resuming after epoch ${checkpointed}`;
  if (checkpointed < recorded) return `${note}, where its checkpoint is (${span(checkpointed + 1, recorded)} in metrics.jsonl will be replaced)`;
  if (checkpointed > recorded) return `${note} (metrics.jsonl lacks ${span(recorded + 1, checkpointed)}: numbers and time not recorded)`;
  return note;
};

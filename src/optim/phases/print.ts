// Write a schedule back as YAML that parseSchedule reads back to the same value, so a generated schedule can be kept.
import { stringify } from 'yaml';
import type { Phase, Schedule } from './schedule.js';

const phaseRecord = (p: Phase): Record<string, unknown> => ({
  params: [...p.params],
  max_transition_epoch: p.max_transition_epoch,
  ...(p.lr === undefined ? {} : { lr: p.lr }),
  ...(p.new_optimizer === undefined ? {} : { new_optimizer: p.new_optimizer }),
  ...(p.new_lr_scheduler === undefined ? {} : { new_lr_scheduler: p.new_lr_scheduler }),
});

/** YAML with integer phase keys in order; `header` lines become comments at the top. */
export const printSchedule = (schedule: Schedule, header: readonly string[] = []): string => {
  // a Map keeps the keys as integers (`0:`); an object would make them strings (`"0":`)
  const body = stringify(new Map(schedule.map((p, i) => [i, phaseRecord(p)])), { lineWidth: 0, aliasDuplicateObjects: false });
  return header.map((h) => `# ${h}\n`).join('') + body;
};

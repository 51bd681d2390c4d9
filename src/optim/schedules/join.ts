// optax's join_schedules: each schedule takes over at its boundary and sees the steps since then.
import type { Schedule } from './scalar.js';
import { schedule } from './scalar.js';
import { checkHyper, increasingSteps } from './args.js';

/** The join without checks, for constructors whose own checks guarantee its arguments. */
export const join = (name: string, schedules: readonly Schedule[], boundaries: readonly number[]): Schedule =>
  schedule(name, (s, t) => {
    let lr = schedules[0](s, t);
    for (let k = 0; k < boundaries.length; k++) lr = s.ifLess(t, s.c(boundaries[k]), lr, schedules[k + 1](s, s.sub(t, s.c(boundaries[k]))));
    return lr;
  });

/** schedules[k] runs from boundaries[k-1], restarted at 0 (optax's join_schedules). */
export const joinSchedules = (schedules: readonly Schedule[], boundaries: readonly number[]): Schedule => {
  checkHyper('joinSchedules', [
    schedules.length !== boundaries.length + 1 && `${schedules.length} schedules need ${schedules.length - 1} boundaries, got ${boundaries.length}`,
    increasingSteps('boundaries', boundaries),
  ]);
  return join(`join(${schedules.map((x) => x.name).join(', ')})`, schedules, boundaries);
};

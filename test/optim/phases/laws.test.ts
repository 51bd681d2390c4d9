import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { arbModelSpec, arbPhaseRun, arbScheduleCase, phaseMachineLaws, printParseLaw, propertyParams, scheduleValidatesLaw } from '../../../props/index.js';
import { generateSchedule } from '../../../src/optim/phases/index.js';

const holds = (problems: readonly string[]) => assert.deepEqual(problems, []);

describe('phase schedule laws', () => {
  it('a generated schedule validates and assigns each parameter its phase', () => {
    fc.assert(fc.property(arbScheduleCase(), (c) => holds(scheduleValidatesLaw(c))), propertyParams(200));
  });

  it('with epoch_transitions_only too (every generated phase has max_transition_epoch)', () => {
    fc.assert(fc.property(arbScheduleCase({ epochTransitionsOnly: true }), (c) => holds(scheduleValidatesLaw(c, { epochTransitionsOnly: true }))), propertyParams(100));
  });

  it('the implicit schedule of any model validates', () => {
    fc.assert(
      fc.property(arbModelSpec, (spec) => {
        const schedule = generateSchedule(spec);
        holds(scheduleValidatesLaw({ spec, schedule, expected: Object.fromEntries(schedule.flatMap((p, k) => p.params.map((n) => [n, k]))) }));
        holds(printParseLaw(schedule));
      }),
      propertyParams(100),
    );
  });

  it('parse(print(schedule)) = schedule', () => {
    fc.assert(fc.property(arbScheduleCase(), (c) => holds(printParseLaw(c.schedule))), propertyParams(200));
  });

  it('the machine thaws each parameter once, never skips or revisits a phase, keeps optimizer groups clean', () => {
    fc.assert(fc.property(arbPhaseRun, (run) => holds(phaseMachineLaws(run))), propertyParams(300));
  });
});

// Property-test your own phase schedule with graft's laws: `npx tsx examples/custom-schedule.ts`.
// The schedule here: the classifier and pooler first, then the encoder from the top, `perPhase`
// layers at a time, and the embeddings last. The laws must hold for every depth and grouping.
import fc from 'fast-check';
import * as o from 'graft/optim';
import { bertSpec, checkDisjointness, flatUnits } from 'graft/shard';
import { arbPhaseEvents, phaseMachineLaws, printParseLaw, propertyParams } from 'graft/props';

type Schedule = o.phases.Schedule;

const headFirst = (layers: number, perPhase: number): Schedule => {
  const phases: Schedule[number][] = [{ params: ['classifier\\.', 'bert\\.pooler\\.'], max_transition_epoch: -1 }];
  for (let top = layers - 1; top >= 0; top -= perPhase) {
    const ids = Array.from({ length: Math.min(perPhase, top + 1) }, (_, k) => top - k);
    phases.push({ params: [`bert\\.encoder\\.layer\\.(?:${ids.join('|')})\\.`], max_transition_epoch: -1, lr: 1e-5 });
  }
  phases.push({ params: ['bert\\.embeddings\\.'], max_transition_epoch: -1, lr: 1e-5 });
  return phases;
};

const policy = { classes: ['BertLayer', 'BertEmbeddings', 'BertPooler'], names: ['classifier'] };

const property = fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 4 }), arbPhaseEvents(12), (layers, perPhase, events) => {
  const spec = bertSpec(layers);
  const schedule = headFirst(layers, perPhase);
  const check = o.phases.validateSchedule(schedule, spec);
  const problems = [
    ...check.errors.map((e) => `invalid: ${e.path}: ${e.message}`),
    // every parameter is scheduled exactly once
    ...spec.parameters.filter((p) => check.assignment[p.name] === undefined).map((p) => `'${p.name}' is in no phase`),
    ...printParseLaw(schedule),
    ...checkDisjointness(spec, flatUnits(spec, policy), check.assignment).problems.map((p) => `not disjoint over the flat units: ${p.kind}`),
    ...phaseMachineLaws({
      config: { phases: check.phases, maxDepth: -1, epochTransitionsOnly: false, restoreBest: true, baseMaxLr: 1e-5, earlyStopping: { mode: 'min', patience: 1, minDelta: 0 }, maxEpochs: 12 },
      events,
    }),
  ];
  if (problems.length) throw new Error(`${layers} layers, ${perPhase} per phase:\n  ${problems.join('\n  ')}`);
});

fc.assert(property, propertyParams(60));
console.log('headFirst schedule: every law held for 60 random depths, groupings and epoch histories');

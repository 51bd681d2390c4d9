// Phase-schedule generators and laws: a generated schedule validates and survives print/parse; the machine never skips.
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import type { ModelSpec, ModuleSpec, ParamSpec } from '../src/optim/model-spec.js';
import type { Phase, Schedule } from '../src/optim/phases/index.js';
import { parseSchedule, printSchedule, validateSchedule } from '../src/optim/phases/index.js';

const SEGMENTS = ['embed', 'encoder', 'decoder', 'layer', 'h', '0', '1', '12', 'attn', 'mlp', 'ln_1', 'ln_f', 'c_proj', 'head'] as const;
const LEAVES = ['weight', 'bias', 'gamma', 'beta', 'scale'] as const;
const CLASSES = ['Linear', 'LayerNorm', 'Embedding', 'Conv1D'] as const;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Model specs with dotted module paths (ancestors included, parents first) and 1-3 parameters per leaf module. */
export const arbModelSpec: fc.Arbitrary<ModelSpec> = fc
  .uniqueArray(
    fc.record({
      path: fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 3 }).map((s) => s.join('.')),
      class: fc.constantFrom(...CLASSES),
      leaves: fc.uniqueArray(fc.constantFrom(...LEAVES), { minLength: 1, maxLength: 3 }),
      shape: fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 6, selector: (m) => m.path },
  )
  .map((owners) => {
    const names = new Set(owners.flatMap((o) => o.path.split('.').map((_, i, s) => s.slice(0, i + 1).join('.'))));
    const modules: ModuleSpec[] = [{ name: '', class: 'Model' }, ...[...names].sort().map((name) => ({ name, class: owners.find((o) => o.path === name)?.class ?? 'Module' }))];
    const parameters: ParamSpec[] = modules.flatMap((m) => {
      const o = owners.find((x) => x.path === m.name);
      return o ? o.leaves.map((leaf) => ({ name: `${m.name}.${leaf}`, shape: o.shape, module: m.name })) : [];
    });
    return { modules, parameters };
  });

export interface ScheduleCase {
  readonly spec: ModelSpec;
  readonly schedule: Schedule;
  /** The phase each scheduled parameter must land in. */
  readonly expected: Readonly<Record<string, number>>;
}

type Style = 'exact' | 'anchored' | 'alternation' | 'prefix';

/** Entries that name exactly `names` among `all`: exact names, `name$` regexes, one alternation, or module prefixes. */
const entriesFor = (style: Style, names: readonly string[], all: readonly string[]): string[] => {
  if (style === 'exact') return [...names];
  if (style === 'anchored') return names.map((n) => `${escape(n)}$`);
  if (style === 'alternation') return [`(?:${names.map(escape).join('|')})$`];
  const inPhase = new Set(names);
  const entries: string[] = [];
  const covered = new Set<string>();
  for (const n of names) {
    if (covered.has(n)) continue;
    const module = n.slice(0, n.lastIndexOf('.'));
    const hits = all.filter((a) => a.startsWith(`${module}.`));
    // a module prefix is used only where everything under it belongs to this phase
    if (module && hits.every((h) => inPhase.has(h))) {
      entries.push(`${escape(module)}\\.`);
      hits.forEach((h) => covered.add(h));
    } else {
      entries.push(n);
      covered.add(n);
    }
  }
  return entries;
};

const arbReinit = fc.record(
  {
    new_optimizer: fc.record({ optimizer_init: fc.record({ class_path: fc.constantFrom('torch.optim.SGD', 'torch.optim.AdamW'), init_args: fc.record({ lr: fc.double({ min: 1e-6, max: 1, noNaN: true }), momentum: fc.constantFrom(0, 0.9) }) }) }),
    new_lr_scheduler: fc.record({
      lr_scheduler_init: fc.record({ class_path: fc.constant('torch.optim.lr_scheduler.StepLR'), init_args: fc.record({ step_size: fc.integer({ min: 1, max: 5 }), gamma: fc.double({ min: 0.1, max: 1, noNaN: true }) }) }),
      pl_lrs_cfg: fc.record({ interval: fc.constantFrom('epoch', 'step'), frequency: fc.integer({ min: 1, max: 3 }) }),
    }),
  },
  { requiredKeys: [] },
).map((r) => JSON.parse(JSON.stringify(r)) as Pick<Phase, 'new_optimizer' | 'new_lr_scheduler'>); // plain objects, as a parser makes them

/** Valid schedules for `spec`: every phase non-empty, some parameters unscheduled, epochs increasing where given. */
export const arbScheduleFor = (spec: ModelSpec, options: { readonly epochTransitionsOnly?: boolean } = {}): fc.Arbitrary<ScheduleCase> => {
  const all = spec.parameters.map((p) => p.name);
  const n = all.length;
  return fc
    .record({
      slot: fc.array(fc.oneof({ arbitrary: fc.integer({ min: 0, max: 4 }), weight: 9 }, { arbitrary: fc.constant(-1), weight: 1 }), { minLength: n, maxLength: n }),
      styles: fc.array(fc.constantFrom<Style>('exact', 'anchored', 'alternation', 'prefix'), { minLength: 5, maxLength: 5 }),
      steps: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 5, maxLength: 5 }),
      timed: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
      lrs: fc.array(fc.option(fc.double({ min: 1e-7, max: 0.1, noNaN: true }), { nil: undefined }), { minLength: 5, maxLength: 5 }),
      reinits: fc.array(fc.option(arbReinit, { nil: undefined, freq: 4 }), { minLength: 5, maxLength: 5 }),
    })
    .map(({ slot, styles, steps, timed, lrs, reinits }) => {
      // renumber the slots in use to 0..k-1 so no phase is empty; keep at least one parameter scheduled
      const slots = slot.every((s) => s < 0) ? [0, ...slot.slice(1)] : slot;
      const used = [...new Set(slots.filter((s) => s >= 0))].sort((a, b) => a - b);
      const expected: Record<string, number> = {};
      all.forEach((name, i) => slots[i] >= 0 && (expected[name] = used.indexOf(slots[i])));
      let epoch = 0;
      const schedule: Phase[] = used.map((_, k) => {
        const names = all.filter((name) => expected[name] === k);
        epoch += steps[k];
        const max_transition_epoch = options.epochTransitionsOnly || timed[k] ? epoch : -1;
        const lr = lrs[k] === undefined ? {} : { lr: lrs[k] };
        return { params: entriesFor(styles[k], names, all), max_transition_epoch, ...lr, ...(k > 0 ? reinits[k] ?? {} : {}) };
      });
      return { spec, schedule, expected };
    });
};

export const arbScheduleCase = (options: { readonly epochTransitionsOnly?: boolean } = {}): fc.Arbitrary<ScheduleCase> => arbModelSpec.chain((spec) => arbScheduleFor(spec, options));

/** Law: the schedule validates with no errors and puts each parameter in the phase it was generated for. */
export const scheduleValidatesLaw = ({ spec, schedule, expected }: ScheduleCase, options: { readonly epochTransitionsOnly?: boolean } = {}): string[] => {
  const check = validateSchedule(schedule, spec, options);
  const problems = check.errors.map((e) => `unexpected error at ${e.path}: ${e.message}`);
  if (!isDeepStrictEqual({ ...check.assignment }, { ...expected })) problems.push(`assignment ${JSON.stringify(check.assignment)} != expected ${JSON.stringify(expected)}`);
  const listed = check.phases.flatMap((p) => p.params);
  if (new Set(listed).size !== listed.length) problems.push(`a parameter is listed in two resolved phases: ${JSON.stringify(listed)}`);
  return problems;
};

/** Law: printing then parsing gives back the same schedule value. */
export const printParseLaw = (schedule: Schedule): string[] => {
  const text = printSchedule(schedule);
  const back = parseSchedule(text);
  if (E.isLeft(back)) return [`printed schedule does not parse: ${back.left.map((p) => `${p.path}: ${p.message}`).join('; ')}\n${text}`];
  return isDeepStrictEqual(back.right, schedule) ? [] : [`parse(print(s)) differs:\n${text}\n${JSON.stringify(back.right)}\nvs\n${JSON.stringify(schedule)}`];
};

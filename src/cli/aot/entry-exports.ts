// The programs an entry file exports for `graft compile`: a Program, an optimizer step from
// `buildStep` (its init and step programs), or either of them inside an Either (a Left is a problem).
import type { Program } from '../../dsl/program.js';
import type { StepPrograms } from '../../optim/step.js';

export interface ExportedProgram {
  /** The module's name for it: the export, or `export.init` / `export.step`. */
  readonly name: string;
  readonly program: Program;
  readonly from: { readonly export: string; readonly part?: 'init' | 'step' };
  readonly step?: StepPrograms;
}

const isProgram = (v: unknown): v is Program =>
  typeof v === 'object' && v !== null && Array.isArray((v as Program).inputs) && typeof (v as Program).outputs === 'object' && (v as Program).outputs !== null;

const isStepPrograms = (v: unknown): v is StepPrograms =>
  typeof v === 'object' && v !== null && isProgram((v as StepPrograms).step) && Array.isArray((v as StepPrograms).params) && Array.isArray((v as StepPrograms).state);

const tagged = (v: unknown): { _tag: 'Left'; left: unknown } | { _tag: 'Right'; right: unknown } | undefined =>
  typeof v === 'object' && v !== null && ((v as { _tag?: unknown })._tag === 'Left' || (v as { _tag?: unknown })._tag === 'Right') ? (v as never) : undefined;

/** Every program the exports hold, and every problem (a Left export), in export order; other exports are ignored. */
export const exportedPrograms = (exports: Readonly<Record<string, unknown>>): { readonly programs: ExportedProgram[]; readonly problems: string[] } => {
  const programs: ExportedProgram[] = [];
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(exports)) {
    const either = tagged(raw);
    if (either?._tag === 'Left') {
      problems.push(`export '${name}': building it failed: ${(either.left as Error)?.message ?? String(either.left)}`);
      continue;
    }
    const v = either ? either.right : raw;
    if (isStepPrograms(v)) {
      if (v.init) programs.push({ name: `${name}.init`, program: v.init, from: { export: name, part: 'init' }, step: v });
      programs.push({ name: `${name}.step`, program: v.step, from: { export: name, part: 'step' }, step: v });
    } else if (isProgram(v)) programs.push({ name, program: v, from: { export: name } });
  }
  return { programs, problems };
};

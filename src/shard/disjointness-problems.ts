// What can be wrong with a phase assignment over sharded units, as data (for --json) before it is prose.

/** A schedule phase, or the pseudo-phase of parameters no phase thaws (check 3). */
export type PhaseRef = number | 'unscheduled';

/** 'flat': one trainable flag per unit's buffer (all checks). 'per-parameter': flags kept per parameter (lifts checks 2 and 3). */
export type FlagMode = 'flat' | 'per-parameter';

export interface UnitRef {
  readonly name: string;
  readonly class: string;
}

/** Check 1: one module's own parameters thaw in different phases. */
export interface ModuleSpansPhases {
  readonly kind: 'module-spans-phases';
  readonly module: string;
  readonly moduleClass: string;
  /** The unit whose flat buffer holds the module's parameters. */
  readonly unit: UnitRef;
  readonly phases: readonly number[];
  readonly byPhase: readonly { readonly phase: number; readonly params: readonly string[] }[];
}

/** Checks 2 and 3: one flat buffer is reached from several phases, so every parameter in it spans them. */
export interface BufferSpansPhases {
  readonly kind: 'buffer-spans-phases';
  readonly unit: UnitRef;
  readonly root: boolean;
  /** Phases reaching the buffer, ascending, 'unscheduled' last. */
  readonly phases: readonly PhaseRef[];
  /** True when the span shows only once unscheduled parameters count as a phase (check 3 beyond check 2). */
  readonly onlyWithUnscheduled: boolean;
  /** Every logical parameter in the buffer, in flat order, with the phase that thaws it. */
  readonly params: readonly { readonly name: string; readonly phase: PhaseRef }[];
  /** Modules inside the unit whose parameters in this buffer all thaw in one phase: wrapping each separately splits the buffer. */
  readonly suggestedWraps: readonly { readonly phase: PhaseRef; readonly modules: readonly string[] }[];
  readonly hint: string;
}

/** Phase 0 thaws no parameter of a wrapped (non-root) unit, so the first optimizer would hold no sharded buffer. */
export interface Phase0Unwrapped {
  readonly kind: 'phase0-unwrapped';
  /** The phase-0 parameters, each with the unit owning its buffer (the root unit, when any exist). */
  readonly params: readonly { readonly name: string; readonly unit: UnitRef }[];
}

/** The assignment names a parameter the model lacks, or a phase that is not an integer >= 0. */
export interface BadAssignment {
  readonly kind: 'unknown-parameter' | 'invalid-phase';
  readonly param: string;
  readonly phase: number;
}

export type DisjointnessProblem = ModuleSpansPhases | BufferSpansPhases | Phase0Unwrapped | BadAssignment;

export interface DisjointnessResult {
  readonly ok: boolean;
  readonly mode: FlagMode;
  readonly problems: readonly DisjointnessProblem[];
}

export const ROOT_HINT =
  'parameters of unwrapped modules land in the root unit, so wrapping the scheduled modules separately (their own units, aligned with phases) fixes this';

export const comparePhases = (a: PhaseRef, b: PhaseRef): number => (a === b ? 0 : a === 'unscheduled' ? 1 : b === 'unscheduled' ? -1 : a - b);

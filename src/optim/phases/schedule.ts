// A fine-tuning schedule in Fine-Tuning Scheduler's file format, as typed data, and the io-ts codecs of its fields.
import * as t from 'io-ts';

/** `class_path` + `init_args`: how FTS names a class to build (an optimizer, an lr scheduler). */
export interface ClassInit {
  readonly class_path: string;
  readonly init_args?: Readonly<Record<string, unknown>>;
}

/** FTS `new_optimizer`: replace the optimizer when the phase starts. Other keys are kept as they were written. */
export interface OptimizerReinit {
  readonly optimizer_init: ClassInit;
}

/** FTS `new_lr_scheduler`: replace the lr scheduler when the phase starts. Other keys are kept as they were written. */
export interface LrSchedulerReinit {
  readonly lr_scheduler_init: ClassInit;
  readonly pl_lrs_cfg?: Readonly<Record<string, unknown>>;
  readonly init_pg_lrs?: readonly number[];
  readonly use_current_optimizer_pg_lrs?: boolean;
}

export interface Phase {
  /** Exact parameter names, or regular expressions matched at the start of a name. */
  readonly params: readonly string[];
  /** Transition at the start of this epoch at the latest; -1: only when early stopping says the phase is done. */
  readonly max_transition_epoch: number;
  /** lr of the groups this phase adds; absent: base_max_lr. Ignored on phase 0. */
  readonly lr?: number;
  readonly new_optimizer?: OptimizerReinit;
  readonly new_lr_scheduler?: LrSchedulerReinit;
}

/** Phase k is `schedule[k]`: keys in the file are zero-based and contiguous, so an array holds them. */
export type Schedule = readonly Phase[];

export const NO_MAX_TRANSITION_EPOCH = -1;

const ClassPath = t.refinement(t.string, (s) => s.length > 0, 'non-empty class path');
const ClassInitCodec = t.intersection([t.type({ class_path: ClassPath }), t.partial({ init_args: t.UnknownRecord })], 'a mapping with class_path (and optional init_args)');

// FTS (finetuning-scheduler@ceae3f0) fts_supporters.py:672 `if "interval" in pl_lrs_cfg and pl_lrs_cfg["interval"] not in ("step", "epoch"):`
const Interval = t.keyof({ step: null, epoch: null }, '"step" or "epoch"');

/** Lightning's LRSchedulerConfig fields: FTS warns about (and drops) any other key of `pl_lrs_cfg`. */
export const PL_LRS_CFG_KEYS = ['scheduler', 'name', 'interval', 'frequency', 'reduce_on_plateau', 'monitor', 'strict'] as const;

/** One codec per key a phase may hold; keys not listed here are errors (a typo would otherwise fall back silently). */
export const PhaseFieldCodecs = {
  params: t.array(t.string, 'list of strings'),
  max_transition_epoch: t.refinement(t.number, (n) => Number.isInteger(n) && n >= -1, 'integer >= -1'),
  lr: t.refinement(t.number, (n) => Number.isFinite(n) && n >= 0, 'finite number >= 0'),
  // fts_supporters.py:692 `if target_key not in target_sched.keys():` and :699 `if not target_sched[target_key].get("class_path"):`
  new_optimizer: t.type({ optimizer_init: ClassInitCodec }, 'a mapping with optimizer_init'),
  new_lr_scheduler: t.intersection(
    [
      t.type({ lr_scheduler_init: ClassInitCodec }),
      t.partial({ pl_lrs_cfg: t.intersection([t.UnknownRecord, t.partial({ interval: Interval })], 'a mapping of Lightning lr scheduler settings'), init_pg_lrs: t.array(t.number), use_current_optimizer_pg_lrs: t.boolean }),
    ],
    'a mapping with lr_scheduler_init',
  ),
} as const;

export type PhaseKey = keyof typeof PhaseFieldCodecs;
export const PHASE_KEYS = Object.keys(PhaseFieldCodecs) as PhaseKey[];

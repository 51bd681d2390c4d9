// What FTS warns about in a phase's new_lr_scheduler (it cannot be checked against classes graft does not import).
// Sources: speediedan/finetuning-scheduler@ceae3f0, src/finetuning_scheduler/fts_supporters.py.
import type { PhaseProblem } from './problem.js';
import type { Phase } from './schedule.js';
import { PL_LRS_CFG_KEYS } from './schedule.js';

const quoted = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');

/** Parameter groups that phases 0..k add without a weight-decay split: one per phase that thaws something. */
const groupsUpTo = (schedule: readonly Phase[], k: number): number => schedule.slice(0, k + 1).filter((p) => p.params.length > 0).length;

/** Warnings: reported, never a reason to refuse the schedule. */
export const reinitWarnings = (schedule: readonly Phase[]): PhaseProblem[] =>
  schedule.flatMap((p, k) => {
    const r = p.new_lr_scheduler;
    if (!r) return [];
    const at = `${k}.new_lr_scheduler`;
    const out: PhaseProblem[] = [];
    // fts_supporters.py:642 `extra_keys = pl_lrs_cfg.keys() - supported_keys` (the LRSchedulerConfig fields)
    const extra = Object.keys(r.pl_lrs_cfg ?? {}).filter((key) => !(PL_LRS_CFG_KEYS as readonly string[]).includes(key));
    if (extra.length)
      out.push({ code: 'unknown-pl-lrs-key', path: `${at}.pl_lrs_cfg`, phase: k, message: `pl_lrs_cfg of phase ${k} has key(s) ${quoted(extra)} that Lightning's lr scheduler config lacks (it has ${PL_LRS_CFG_KEYS.join(', ')}): FTS drops them` });
    // fts_supporters.py:755 `if "init_pg_lrs" in target_sched.keys():` (any init_pg_lrs, whatever its length)
    if (r.init_pg_lrs !== undefined) {
      const n = groupsUpTo(schedule, k);
      out.push({ code: 'init-pg-lrs-count', path: `${at}.init_pg_lrs`, phase: k, message: `init_pg_lrs of phase ${k} sets ${r.init_pg_lrs.length} lr(s), one per parameter group in order: phases 0 to ${k} make ${n} group(s), or up to ${2 * n} with a weight-decay split; check that the counts agree` });
    }
    // fts_supporters.py:1326 `if lr_scheduler_init.get("init_args") and "optimizer" in lr_scheduler_init.get("init_args", {}).keys():`
    const args = r.lr_scheduler_init.init_args;
    if (args && Object.keys(args).length > 0 && 'optimizer' in args)
      out.push({ code: 'optimizer-in-init-args', path: `${at}.lr_scheduler_init.init_args.optimizer`, phase: k, message: `lr_scheduler_init.init_args of phase ${k} has an optimizer key: the new lr scheduler wraps the current optimizer and all its groups, so this key has no effect` });
    return out;
  });

/** Notices: what FTS logs as information. */
export const reinitNotices = (schedule: readonly Phase[]): PhaseProblem[] =>
  schedule.flatMap((p, k) => {
    const r = p.new_lr_scheduler;
    // fts_supporters.py:745 `"use_current_optimizer_pg_lrs" in target_sched.keys() and target_sched["use_current_optimizer_pg_lrs"] and "init_pg_lrs" not in ...`
    if (!r?.use_current_optimizer_pg_lrs || r.init_pg_lrs !== undefined) return [];
    return [{ code: 'current-pg-lrs' as const, path: `${k}.new_lr_scheduler.use_current_optimizer_pg_lrs`, phase: k, message: `the lr scheduler of phase ${k} starts from the groups' current lrs, not their initial lrs` }];
  });

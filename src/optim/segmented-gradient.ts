// One micro-batch's forward and backward cut where the graph moves from one parameter group to another (FSDP's
// per-unit forward/backward, a group being a flat unit): segment s reads the parameters of the groups its nodes read,
// the activations earlier segments hand it, and the batch; its backward recomputes the segment's forward from those
// (activation checkpointing at group boundaries) and sums every cotangent in the uncut graph's order, so the gradients
// are the bits of the unsplit gradient program.
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../dsl/index.js';
import type { BuildError, Program, Shape, Tensor } from '../dsl/index.js';
import { node } from '../dsl/tensor.js';
import { reachingCotangents } from '../dsl/autodiff/backward.js';
import type { Objective } from './step.js';
import { names } from './step.js';

/** Parameters that are gathered and freed together (a flat unit). */
export interface ParamGroup {
  readonly name: string;
  readonly params: readonly string[];
}

export interface GradientSegment {
  /** Groups whose parameters this segment reads (gathered while it runs). */
  readonly groups: readonly string[];
  /** Inputs `p:<param>`, `x:<input>`, `b:<id>` (earlier segments' activations); outputs `b:<id>` and `m:<metric>`. */
  readonly forward: Program;
  /** The forward's inputs and `c:<id>` (cotangents from later segments) -> `c:<id>`; undefined when no gradient flows through. */
  readonly backward: Program | undefined;
}

export interface SegmentedGradient {
  /** In forward order; backward runs them in reverse. */
  readonly segments: readonly GradientSegment[];
  /** Where each trainable parameter's gradient lies once every backward has run (absent: the loss does not read it: zeros). */
  readonly gradOf: Readonly<Record<string, string>>;
  readonly metricNames: readonly string[];
  /** Per group: the first and last segment reading it. */
  readonly span: Readonly<Record<string, { readonly first: number; readonly last: number }>>;
}

const carried = (id: number) => `b:${id}`;
const cotangent = (id: number) => `c:${id}`;

/** Cuts the objective's graph into per-group segments; Left names what stops the cut. */
export const segmentedGradient = (objective: Objective, shapes: Readonly<Record<string, Shape>>, trainable: readonly string[], groups: readonly ParamGroup[]): E.Either<string, SegmentedGradient> => {
  const traced = g.program(
    { ...Object.fromEntries(Object.entries(shapes).map(([n, s]) => [names.param(n), s])), ...Object.fromEntries(Object.entries(objective.inputs).map(([k, v]) => [names.input(k), v])) },
    (inputs) => {
      const params = Object.fromEntries(Object.keys(shapes).map((n) => [n, inputs[names.param(n)]]));
      const out = objective.build(params, Object.fromEntries(Object.keys(objective.inputs).map((k) => [k, inputs[names.input(k)]])));
      return { [names.metric('loss')]: out.loss, ...Object.fromEntries(Object.entries(out.metrics ?? {}).map(([k, t]) => [names.metric(k), t])) };
    },
  );
  if (E.isLeft(traced)) return E.left(`forward graph: ${traced.left.message}`);
  const roots = traced.right.outputs;
  const loss = roots[names.metric('loss')];
  // the loss first: the uncut backward sweeps topoOrder([loss]), a prefix of this order
  const order = g.topoOrder([loss, ...Object.values(roots)]);
  const groupOf = new Map(groups.flatMap((u) => u.params.map((p) => [p, u.name] as const)));
  const paramOf = new Map<number, string>();
  for (const t of order) if (t.op.kind === 'input' && t.op.name.startsWith('p:')) paramOf.set(t.id, t.op.name.slice(2));
  // nodes that read no parameter are recomputed wherever they are needed (the batch, masks, dropout draws)
  const readsParam = new Set<number>();
  for (const t of order) if (paramOf.has(t.id) || t.inputs.some((i) => readsParam.has(i.id))) readsParam.add(t.id);
  // a new segment starts where the order first meets a parameter of another group than the current one's
  const segOf = new Map<number, number>();
  const leading: string[] = [];
  for (const t of order) {
    const p = paramOf.get(t.id);
    if (p !== undefined) {
      const u = groupOf.get(p) ?? '';
      if (leading[leading.length - 1] !== u) leading.push(u);
    } else if (readsParam.has(t.id)) segOf.set(t.id, leading.length - 1);
  }
  if (!readsParam.has(loss.id)) return E.left('the loss reads no parameter: nothing to split');
  const S = leading.length;
  // metrics that read no parameter (a token count, the batch mean) are recomputed from the batch in the last segment
  const segmentOfRoot = (t: Tensor) => segOf.get(t.id) ?? S - 1;
  const members: Tensor[][] = Array.from({ length: S }, () => []);
  for (const t of order) if (segOf.has(t.id)) members[segOf.get(t.id)!].push(t);
  // activations crossing a cut: made in one segment, read in a later one
  const outsOf: Tensor[][] = Array.from({ length: S }, () => []);
  const crossing = new Set<number>();
  for (const t of order)
    for (const i of t.inputs)
      if (segOf.has(t.id) && segOf.has(i.id) && segOf.get(i.id)! < segOf.get(t.id)! && !crossing.has(i.id)) {
        crossing.add(i.id);
        outsOf[segOf.get(i.id)!].push(i);
      }
  // a bool activation crosses as f32 0/1 (what every feed carries) and is cast back where it is read
  const crossDtype = (t: Tensor): Tensor['dtype'] => (t.dtype === 'bool' ? 'f32' : t.dtype);
  const live = new Set<number>();
  const train = new Set(trainable);
  for (const t of order) if (t.dtype === 'f32' && ((paramOf.has(t.id) && train.has(paramOf.get(t.id)!)) || t.inputs.some((i) => live.has(i.id)))) live.add(t.id);

  /** Segment s's nodes over its own inputs, and the inputs it declares. */
  const rewrite = (s: number, declare: (name: string, shape: Shape, dtype: Tensor['dtype']) => Tensor) => {
    const memo = new Map<number, Tensor>();
    const read = new Set<number>();
    const visit = (t: Tensor): Tensor => {
      const done = memo.get(t.id);
      if (done) return done;
      let made: Tensor;
      if (t.op.kind === 'input') made = declare(t.op.name, t.shape, t.dtype);
      else if (segOf.has(t.id) && segOf.get(t.id)! < s) {
        made = g.cast(declare(carried(t.id), t.shape, crossDtype(t)), t.dtype);
        read.add(t.id);
      } else made = node(t.op, t.inputs.map(visit), t.shape, t.dtype);
      memo.set(t.id, made);
      return made;
    };
    for (const t of members[s]) visit(t);
    return { memo, read, visit };
  };
  /** A program over inputs declared as the rewrite meets them (extra ones first). */
  const build = (extra: Readonly<Record<string, { shape: Shape; dtype: Tensor['dtype'] }>>, body: (declare: (name: string, shape: Shape, dtype: Tensor['dtype']) => Tensor, extras: Record<string, Tensor>) => Record<string, Tensor>): E.Either<BuildError, Program> => {
    const specs: { name: string; shape: Shape; dtype: Tensor['dtype'] }[] = [];
    const made = new Map<string, Tensor>();
    const declare = (name: string, shape: Shape, dtype: Tensor['dtype']) => {
      if (!made.has(name)) {
        made.set(name, g.input(name, shape, dtype));
        specs.push({ name, shape, dtype });
      }
      return made.get(name)!;
    };
    const extras = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, declare(k, v.shape, v.dtype)]));
    try {
      const outputs = body(declare, extras);
      return E.right({ inputs: specs, outputs: Object.freeze({ ...outputs }) });
    } catch (e) {
      if (g.isBuildError(e)) return E.left(e);
      throw e;
    }
  };

  const forwards: Program[] = [];
  const segGroups: string[][] = [];
  for (let s = 0; s < S; s++) {
    const metricsHere = Object.entries(roots).filter(([, t]) => segmentOfRoot(t) === s);
    const f = build({}, (declare) => {
      const { visit } = rewrite(s, declare);
      return { ...Object.fromEntries(outsOf[s].map((t) => [carried(t.id), g.cast(visit(t), crossDtype(t))])), ...Object.fromEntries(metricsHere.map(([k, t]) => [k, visit(t)])) };
    });
    if (E.isLeft(f)) return E.left(`segment ${s} forward: ${f.left.message}`);
    forwards.push(f.right);
    segGroups.push([...new Set(f.right.inputs.filter((i) => i.name.startsWith('p:')).map((i) => groupOf.get(i.name.slice(2)) ?? ''))]);
  }

  // backward, last segment first: `pending` holds the tensors a later backward has begun a cotangent for
  const pending = new Map<number, Tensor>();
  const backwards: (Program | undefined)[] = new Array(S).fill(undefined);
  const isParam = (t: Tensor) => paramOf.has(t.id);
  for (let s = S - 1; s >= 0; s--) {
    let empty = false;
    const b = build({}, (declare) => {
      const { memo, read, visit } = rewrite(s, declare);
      for (const t of outsOf[s]) visit(t);
      const seeds: Tensor[] = [];
      const cts: Tensor[] = [];
      if (segOf.get(loss.id) === s) {
        seeds.push(memo.get(loss.id)!);
        cts.push(g.scalar(1));
      }
      for (const [id, t] of pending)
        if (memo.has(id)) {
          seeds.push(memo.get(id)!);
          cts.push(declare(cotangent(id), t.shape, 'f32'));
        }
      const wrtOld = [...order.filter((t) => read.has(t.id) && live.has(t.id)), ...order.filter((t) => isParam(t) && memo.has(t.id) && live.has(t.id))];
      const sweep = order.filter((t) => memo.has(t.id)).map((t) => memo.get(t.id)!);
      const found = reachingCotangents(seeds, cts, wrtOld.map((t) => memo.get(t.id)!), sweep);
      for (const t of outsOf[s]) pending.delete(t.id);
      const outputs: Record<string, Tensor> = {};
      wrtOld.forEach((t, k) => {
        if (found[k] === undefined) return;
        outputs[cotangent(t.id)] = found[k]!;
        pending.set(t.id, t);
      });
      empty = Object.keys(outputs).length === 0;
      // a program needs an output: a segment no gradient flows through is dropped below
      return empty ? { none: g.scalar(0) } : outputs;
    });
    if (E.isLeft(b)) return E.left(`segment ${s} backward: ${b.left.message}`);
    backwards[s] = empty ? undefined : b.right;
  }
  const gradOf = Object.fromEntries([...pending.values()].filter(isParam).map((t) => [paramOf.get(t.id)!, cotangent(t.id)]));
  const span: Record<string, { first: number; last: number }> = {};
  segGroups.forEach((us, s) => us.forEach((u) => (span[u] = { first: span[u]?.first ?? s, last: s })));
  return E.right({
    segments: forwards.map((forward, s) => ({ groups: segGroups[s], forward, backward: backwards[s] })),
    gradOf,
    metricNames: Object.keys(roots).map((k) => k.slice(2)),
    span,
  });
};

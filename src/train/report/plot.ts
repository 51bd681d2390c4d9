// Loss and accuracy curves as a Vega-Lite spec (pure), rendered headlessly to SVG by vega and to PNG by resvg.
import type { TopLevelSpec } from 'vega-lite';
import type { RunLike } from './summary.js';
import { epochSummaries, methodsOf } from './summary.js';

/** A phase transition: the epochs completed when it happened (the new phase's first epoch is `epoch + 1`). */
export interface Transition {
  readonly epoch: number;
  readonly label: string;
}

export interface CurveRow {
  readonly kind: 'mean';
  readonly method: string;
  readonly metric: 'loss' | 'accuracy';
  readonly split: 'train' | 'eval';
  /** The record's epoch (from 1): epochs completed at the evaluation. */
  readonly epoch: number;
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
  readonly seeds: number;
}

export interface RuleRow {
  readonly kind: 'transition';
  /** Epochs completed when the phase changed: the rule sits between the old phase's last point and the new one's first. */
  readonly epoch: number;
  readonly label: string;
}

export type PlotRow = CurveRow | RuleRow;

const PANELS = [
  ['loss', 'train'], ['loss', 'eval'],
  ['accuracy', 'train'], ['accuracy', 'eval'],
] as const;

/** The plotted data: mean ± sd over seeds per method, epoch, metric and split, then one row per transition. */
export const plotRows = (results: readonly RunLike[], transitions: readonly Transition[] = []): PlotRow[] => [
  ...methodsOf(results).flatMap((method) =>
    epochSummaries(results, method).flatMap((e) =>
      PANELS.map(([metric, split]): CurveRow => {
        const s = e.stats[`${split}${metric === 'loss' ? 'Loss' : 'Accuracy'}`];
        return { kind: 'mean', method, metric, split, epoch: e.epoch, mean: s.mean, lo: s.mean - s.sd, hi: s.mean + s.sd, seeds: e.seeds };
      }))),
  ...transitions.map((t): RuleRow => ({ kind: 'transition', epoch: t.epoch, label: t.label })),
];

export interface PlotOptions {
  readonly title?: string;
  /** Shade mean ± sd over seeds (default true). */
  readonly band?: boolean;
  /** Size of each of the four panels in pixels (default 280 × 180). */
  readonly width?: number;
  readonly height?: number;
}

/** Four panels (train/eval × loss/accuracy), one line per method, dashed rules at the transitions. */
export const curvesSpec = (results: readonly RunLike[], transitions: readonly Transition[] = [], opts: PlotOptions = {}): TopLevelSpec => {
  const methods = methodsOf(results);
  const x = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } } as const;
  const color = { field: 'method', type: 'nominal', title: 'method', sort: methods } as const;
  const isRule = { filter: "datum.kind === 'transition'" };
  const panel = (metric: 'loss' | 'accuracy', split: 'train' | 'eval') => {
    const mine = { filter: `datum.kind === 'mean' && datum.metric === '${metric}' && datum.split === '${split}'` };
    const y = { type: 'quantitative', title: `${split} ${metric}`, scale: { zero: false }, ...(metric === 'accuracy' ? { axis: { format: '.0%' } } : {}) } as const;
    return {
      width: opts.width ?? 280,
      height: opts.height ?? 180,
      layer: [
        ...(opts.band === false ? [] : [{ transform: [mine], mark: { type: 'area', opacity: 0.15 }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } }]),
        { transform: [mine], mark: { type: 'line', point: true }, encoding: { x, y: { ...y, field: 'mean' }, color } },
        { transform: [isRule], mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { x: { field: 'epoch', type: 'quantitative' } } },
        { transform: [isRule], mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, fontSize: 10, color: '#555' }, encoding: { x: { field: 'epoch', type: 'quantitative' }, y: { value: 3 }, text: { field: 'label' } } },
      ],
    };
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: opts.title } : {}),
    data: { values: plotRows(results, transitions) as unknown as Record<string, unknown>[] },
    vconcat: [
      { hconcat: [panel('loss', 'train'), panel('loss', 'eval')] },
      { hconcat: [panel('accuracy', 'train'), panel('accuracy', 'eval')] },
    ],
    resolve: { scale: { color: 'shared' } },
    // named fonts first, unquoted: resvg maps sans-serif to its default font (often a serif one) and misreads quoted names
    config: { font: 'Helvetica, Arial, DejaVu Sans, Liberation Sans, Noto Sans, sans-serif', legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolOpacity: 1 } },
  } as TopLevelSpec;
};

/** Render a Vega-Lite spec to an SVG document, headlessly (no canvas, no DOM, no network). */
export const renderSvg = async (spec: TopLevelSpec): Promise<string> => {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
};

/** Rasterise an SVG document to PNG bytes (resvg; text uses the system's fonts). `scale` 2 doubles the pixel size. */
export const renderPng = async (svg: string, scale = 1): Promise<Uint8Array> => {
  const { Resvg } = await import('@resvg/resvg-js');
  return new Uint8Array(new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, background: 'white', font: { loadSystemFonts: true } }).render().asPng());
};

/** The figure as SVG and, where resvg's prebuilt binary loads, PNG; `pngError` says why PNG is missing. */
export const renderCurves = async (results: readonly RunLike[], transitions: readonly Transition[] = [], opts: PlotOptions & { readonly png?: boolean; readonly scale?: number } = {}): Promise<{ spec: TopLevelSpec; svg: string; png?: Uint8Array; pngError?: string }> => {
  const spec = curvesSpec(results, transitions, opts);
  const svg = await renderSvg(spec);
  if (opts.png === false) return { spec, svg };
  try {
    return { spec, svg, png: await renderPng(svg, opts.scale) };
  } catch (e) {
    return { spec, svg, pngError: (e as Error).message };
  }
};

// Output for people: curves (Vega-Lite to SVG and PNG), the markdown report, a progress bar.
export * from './plot.js';
export * from './markdown.js';
export * from './progress.js';

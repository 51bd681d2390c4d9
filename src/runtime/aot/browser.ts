// The ahead-of-time runtime for browsers: no Node built-ins; kernels run on the calling thread.
import type { AotData } from './format.js';
import type { AotInstance } from './load.js';
import { loadAot } from './load.js';

export { AotLoadError, FeedError } from './load.js';
export { AOT_FORMAT } from './format.js';

export interface LoadOptions {
  /** Accepted for the Node runtime's signature; a browser module runs on one thread. */
  readonly threads?: number;
}

export const loadBrowser = (data: AotData, _options: LoadOptions = {}): AotInstance => loadAot(data, { pool: () => undefined });

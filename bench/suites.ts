// The benchmark suites by name: adding one is one entry here.
import type { Suite } from './harness.js';
import { elementwise } from './elementwise.js';
import { multioutput } from './multioutput.js';
import { optim } from './optim.js';
import { train } from './train.js';

export const SUITES: Readonly<Record<string, Suite>> = {
  elementwise,
  multioutput,
  optim,
  train,
};

// The benchmark suites by name: adding one is one entry here.
import type { Suite } from './harness.js';
import { dispatch } from './dispatch.js';
import { elementwise } from './elementwise.js';
import { matmul } from './matmul.js';
import { multioutput } from './multioutput.js';
import { optim } from './optim.js';
import { shard } from './shard.js';
import { train } from './train.js';

export const SUITES: Readonly<Record<string, Suite>> = {
  dispatch,
  elementwise,
  matmul,
  multioutput,
  optim,
  shard,
  train,
};

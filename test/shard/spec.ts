// A small model with nesting, a parameter on a non-leaf module and one on the root: every unit rule shows on it.
import type { ModelSpec } from '../../src/optim/model-spec.js';

export const TINY: ModelSpec = {
  modules: [
    { name: '', class: 'Net' },
    { name: 'enc', class: 'Encoder' },
    { name: 'enc.block', class: 'Block' },
    { name: 'enc.block.attn', class: 'Attn' },
    { name: 'enc.block.mlp', class: 'Linear' },
    { name: 'enc.norm', class: 'Norm' },
    { name: 'head', class: 'Linear' },
  ],
  // deliberately not in module order: flat order must follow modules, not this list
  parameters: [
    { name: 'head.w', shape: [2, 3], module: 'head' },
    { name: 'enc.block.scale', shape: [1], module: 'enc.block' },
    { name: 'enc.block.attn.w', shape: [3, 3], module: 'enc.block.attn' },
    { name: 'enc.block.attn.b', shape: [3], module: 'enc.block.attn' },
    { name: 'enc.block.mlp.w', shape: [3, 3], module: 'enc.block.mlp' },
    { name: 'enc.norm.w', shape: [3], module: 'enc.norm' },
    { name: 'temperature', shape: [], module: '' },
    { name: 'head.b', shape: [2], module: 'head' },
  ],
};

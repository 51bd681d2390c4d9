// The tensor language: build programs as values; nothing here computes until interpreted or compiled.
export type { DType } from './dtype.js';
export type { Shape } from './shape.js';
export { sizeOf, broadcastShapes, MAX_ELEMENTS } from './shape.js';
export type { Tensor, Op } from './tensor.js';
export { BuildError, isBuildError } from './errors.js';
export * from './ops/create.js';
export * from './ops/elementwise.js';
export * from './ops/movement.js';
export * from './ops/reduce.js';
export * from './ops/matmul.js';
export * from './ops/random.js';
export type { Program, InputSpec, InputDecl } from './program.js';
export { program } from './program.js';
export type { Feed, Feeds } from './feeds.js';
export { FeedError, checkFeeds } from './feeds.js';
export { interpret } from './interpret.js';
export { topoOrder } from './graph.js';

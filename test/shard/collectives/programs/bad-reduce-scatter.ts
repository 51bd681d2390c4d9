// A rank program that asks for a reduceScatter of a length the ranks do not divide.
import type { Collectives } from '../../../../src/shard/collectives/index.js';

export default (c: Collectives) => c.reduceScatter(new Float32Array(5));

// jax.lax.stop_gradient / torch's detach: the same values, through which autodiff sends no cotangent.
import type { Tensor } from '../tensor.js';
import { node } from '../tensor.js';

/** `x` unchanged for every backend (a reshape to its own shape); `grad` treats it as a constant. */
export const stopGradient = (x: Tensor): Tensor => node({ kind: 'reshape', stopGradient: true }, [x], x.shape, x.dtype);

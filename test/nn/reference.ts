// Float64 references written as plain loops over flat row-major arrays, independent of the tensor language.
type Arr = ArrayLike<number>;

/** y[n, o] = Σ_i x[n, i]·W[o, i] + b[o]; x holds `rows` rows. */
export const linearRef = (x: Arr, w: Arr, b: Arr | undefined, rows: number, inF: number, outF: number): number[] => {
  const y = new Array<number>(rows * outF).fill(0);
  for (let n = 0; n < rows; n++)
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += x[n * inF + i] * w[o * inF + i];
      y[n * outF + o] = s;
    }
  return y;
};

export const layerNormRef = (x: Arr, w: Arr, b: Arr, rows: number, d: number, eps: number): number[] => {
  const y = new Array<number>(rows * d);
  for (let n = 0; n < rows; n++) {
    let mu = 0;
    for (let i = 0; i < d; i++) mu += x[n * d + i] / d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (x[n * d + i] - mu) ** 2 / d;
    for (let i = 0; i < d; i++) y[n * d + i] = ((x[n * d + i] - mu) / Math.sqrt(v + eps)) * w[i] + b[i];
  }
  return y;
};

/** Softmax of each row of length d, computed naively in float64 (no shift: the inputs here are moderate). */
export const softmaxRef = (x: Arr, rows: number, d: number): number[] => {
  const y = new Array<number>(rows * d);
  for (let n = 0; n < rows; n++) {
    let z = 0;
    for (let i = 0; i < d; i++) z += Math.exp(x[n * d + i]);
    for (let i = 0; i < d; i++) y[n * d + i] = Math.exp(x[n * d + i]) / z;
  }
  return y;
};

export const logSoftmaxRef = (x: Arr, rows: number, d: number): number[] => softmaxRef(x, rows, d).map(Math.log);

/** Mean over rows with label >= 0 of -log softmax(row)[label]. */
export const crossEntropyRef = (logits: Arr, labels: Arr, classes: number): number => {
  const ls = logSoftmaxRef(logits, labels.length, classes);
  let s = 0, n = 0;
  for (let r = 0; r < labels.length; r++) {
    if (labels[r] < 0) continue;
    s -= ls[r * classes + labels[r]];
    n++;
  }
  return n ? s / n : 0;
};

export const geluTanhRef = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/** erfc(a) = 2/√π ∫_a^∞ e^{-t²} dt by Simpson's rule on [a, a + 8] (h = 1/512: error far below 1e-16 · erfc). */
const erfcBySimpson = (a: number): number => {
  const n = 4096;
  const h = 8 / n;
  let s = 0;
  for (let k = 0; k <= n; k++) s += (k === 0 || k === n ? 1 : k % 2 ? 4 : 2) * Math.exp(-((a + k * h) ** 2));
  return ((2 / Math.sqrt(Math.PI)) * s * h) / 3;
};

/** erf by its Maclaurin series for |x| <= 2 (float64-accurate there), else 1 − erfc by quadrature. */
export const erfRef = (x: number): number => {
  if (Math.abs(x) > 2) return Math.sign(x) * (1 - erfcBySimpson(Math.abs(x)));
  let term = x, sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};

export const geluErfRef = (x: number): number => 0.5 * x * (1 + erfRef(x / Math.SQRT2));

/**
 * softmax(q·kᵀ/√d + bias)·v for q, k, v [batch, heads, seq, d]; `mask` [batch, seq] (0 = padding)
 * gives masked keys zero weight.
 */
export const attentionRef = (q: Arr, k: Arr, v: Arr, batch: number, heads: number, seq: number, d: number, mask?: Arr): number[] => {
  const out = new Array<number>(batch * heads * seq * d).fill(0);
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < heads; h++) {
      const base = (b * heads + h) * seq * d;
      for (let i = 0; i < seq; i++) {
        const scores: number[] = [];
        for (let j = 0; j < seq; j++) {
          let s = 0;
          for (let t = 0; t < d; t++) s += q[base + i * d + t] * k[base + j * d + t];
          scores.push(mask && mask[b * seq + j] === 0 ? -Infinity : s / Math.sqrt(d));
        }
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, c) => a + c, 0);
        for (let j = 0; j < seq; j++)
          for (let t = 0; t < d; t++) out[base + i * d + t] += (e[j] / z) * v[base + j * d + t];
      }
    }
  return out;
};

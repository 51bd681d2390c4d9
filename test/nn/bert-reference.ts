// BertForSequenceClassification's forward pass (eval mode) in float64 loops, from the HF modelling code.
import { attentionRef, geluErfRef, layerNormRef, linearRef } from './reference.js';

export interface TinyBert {
  readonly vocab: number;
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly inter: number;
  readonly positions: number;
  readonly labels: number;
  readonly eps: number;
}

type P = Readonly<Record<string, ArrayLike<number>>>;

/** [batch, seq, heads·d] <-> [batch, heads, seq, d]. */
const heads = (x: readonly number[], batch: number, seq: number, nh: number, d: number, merge: boolean): number[] => {
  const out = new Array<number>(x.length);
  for (let b = 0; b < batch; b++)
    for (let s = 0; s < seq; s++)
      for (let h = 0; h < nh; h++)
        for (let t = 0; t < d; t++) {
          const bshd = ((b * seq + s) * nh + h) * d + t;
          const bhsd = ((b * nh + h) * seq + s) * d + t;
          if (merge) out[bshd] = x[bhsd];
          else out[bhsd] = x[bshd];
        }
  return out;
};

export const bertRef = (c: TinyBert, p: P, ids: readonly number[], mask: readonly number[], types: readonly number[], batch: number, seq: number): number[] => {
  const H = c.hidden, rows = batch * seq, d = H / c.heads;
  const lin = (x: readonly number[], name: string, n: number, inF: number, outF: number) => linearRef(x, p[`${name}.weight`], p[`${name}.bias`], n, inF, outF);
  const ln = (x: readonly number[], name: string) => layerNormRef(x, p[`${name}.weight`], p[`${name}.bias`], rows, H, c.eps);
  const add = (a: readonly number[], b: readonly number[]) => a.map((v, i) => v + b[i]);

  let h: number[] = [];
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < H; i++)
      h.push(p['bert.embeddings.word_embeddings.weight'][ids[r] * H + i] + p['bert.embeddings.position_embeddings.weight'][(r % seq) * H + i] + p['bert.embeddings.token_type_embeddings.weight'][types[r] * H + i]);
  h = ln(h, 'bert.embeddings.LayerNorm');
  for (let n = 0; n < c.layers; n++) {
    const at = `bert.encoder.layer.${n}`;
    const [q, k, v] = ['query', 'key', 'value'].map((w) => heads(lin(h, `${at}.attention.self.${w}`, rows, H, H), batch, seq, c.heads, d, false));
    const ctx = heads(attentionRef(q, k, v, batch, c.heads, seq, d, mask), batch, seq, c.heads, d, true);
    const a = ln(add(lin(ctx, `${at}.attention.output.dense`, rows, H, H), h), `${at}.attention.output.LayerNorm`);
    const mid = lin(a, `${at}.intermediate.dense`, rows, H, c.inter).map(geluErfRef);
    h = ln(add(lin(mid, `${at}.output.dense`, rows, c.inter, H), a), `${at}.output.LayerNorm`);
  }
  const first: number[] = [];
  for (let b = 0; b < batch; b++) first.push(...h.slice(b * seq * H, b * seq * H + H));
  const pooled = lin(first, 'bert.pooler.dense', batch, H, H).map(Math.tanh);
  return lin(pooled, 'classifier', batch, H, c.labels);
};

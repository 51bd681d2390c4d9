// The README's tour, runnable: `npx tsx examples/quickstart.ts`.
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as g from 'graft';

const n = 1024;
const sgd = g.program({ p: [n], grad: [n], lr: [] }, ({ p, grad, lr }) => ({
  p: pipe(grad, g.mul(lr), (step) => g.sub(p, step)),
}));
if (E.isLeft(sgd)) throw sgd.left;

const plan = g.compile(sgd.right);
console.log(g.describePlan(plan));

const p = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
const grad = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
const rt = await g.createRuntime();
const once = await rt.load(plan).run({ p, grad, lr: 0.01 });
const many = rt.loop(plan, { steps: 16, carry: { p: 'p' } });
const sixteen = await many.run({ p, grad, lr: 0.01 });
const ref = g.interpret(sgd.right, { p, grad, lr: 0.01 });

if (E.isRight(once) && E.isRight(sixteen) && E.isRight(ref)) {
  const err = Math.max(...once.right.p.map((v, i) => Math.abs(v - ref.right.p[i])));
  console.log(`one step on ${rt.report.backend}: max |error| vs float64 ${err.toExponential(2)}`);
  console.log(`16 steps ran as ${many.info()?.executor}; p[1] went from ${p[1].toFixed(4)} to ${sixteen.right.p[1].toFixed(4)}`);
}

// a bad program is a value, not a crash
const bad = g.program({ a: [2, 3], b: [4] }, ({ a, b }) => ({ c: g.add(a, b) }));
if (E.isLeft(bad)) console.log(`rejected: ${bad.left.message}`);
rt.destroy();

// Scheduled fine-tuning in `graft text` by schedule: FTS's generated schedule (scheduleLayers 0) against it merged by
// layer (1, 2, 4 layers a phase), phases thawed by early stopping or by epoch, on the cached pre-trained BERT,
// scheduled method only, with the job's other settings (held-out set reduced unless given); test accuracy, spam F1,
// depth reached, epochs and CPU-seconds per run. A variant is scheduleLayers[:scheduleThawEpochs[:schedulePatience[:scheduleLr[:finetuneEpochs]]]]:
//   npx tsx bench/text-schedule.ts <runs root holding cache/> [variants, e.g. 0,1,2,4:1:3] [seeds, e.g. 1,2] [heldOut]
import { join } from 'node:path';
import { createRuntime } from '../src/runtime/index.js';
import { DEFAULT_TEXT_JOB, cpuSecondsSince, runTextJob } from '../src/train/text/text-job.js';

const [root, variantsArg, seedsArg, heldOutArg] = process.argv.slice(2);
if (!root) throw new Error('usage: npx tsx bench/text-schedule.ts <runs root holding cache/> [variants] [seeds] [heldOut]');
const variants = (variantsArg ?? '0,1,2,4').split(',').map((v) => {
  const [scheduleLayers, scheduleThawEpochs = 0, schedulePatience = 1, scheduleLr = 0, finetuneEpochs = DEFAULT_TEXT_JOB.finetuneEpochs] = v.split(':').map(Number);
  return { scheduleLayers, scheduleThawEpochs, schedulePatience, scheduleLr, finetuneEpochs };
});
const seeds = (seedsArg ?? '1,2').split(',').map(Number);
const heldOut = Number(heldOutArg ?? 200);

const rt = await createRuntime({ backend: 'wasm' });
const rows: string[] = [];
for (const variant of variants) {
  const name = `layers/phase ${variant.scheduleLayers}, thaw every ${variant.scheduleThawEpochs || '-'}, patience ${variant.schedulePatience}, later phases' lr ${variant.scheduleLr || 'lr'}, ${variant.finetuneEpochs} epochs`;
  const c0 = process.cpuUsage();
  let phases = 0;
  const runs = await runTextJob(rt, { ...DEFAULT_TEXT_JOB, heldOut, seeds, methods: ['scheduled'], ...variant }, join(root, 'cache'), () => undefined, { onSchedule: (s) => void (phases = s.length) });
  const cpu = cpuSecondsSince(c0);
  for (const r of runs) {
    const line = `${name} (${phases} phases) seed ${r.seed}: test accuracy ${(r.testAccuracy * 100).toFixed(1)}%, F1 ${r.testF1.toFixed(3)}, depth ${r.transitions?.at(-1)?.depth ?? 0}, ${r.records.length} epochs (${r.stopReason ?? 'all epochs'}), ${r.seconds.toFixed(1)} s; val loss ${r.records.map((e) => e.evalLoss.toFixed(2)).join(' ')}`;
    rows.push(line);
    console.log(line);
  }
  console.log(`${name}: ${cpu.toFixed(0)} CPU-s for ${runs.length} runs`);
}
rt.destroy();
console.log(rows.join('\n'));

// The graft command line.
import { Command } from 'commander';
import { runDemo } from './demo.js';
import { selectBackend } from '../runtime/index.js';

const cli = new Command('graft').description('fine-tuning with a pure-functional tensor language compiled to fused gpu.js kernels');

cli
  .command('demo')
  .description('compile example programs, run them on every backend here, and report what ran')
  .action(async () => runDemo());

cli
  .command('backend')
  .description('say which backend auto-selection picks here, and why')
  .option('--json', 'machine-readable output')
  .action(async (opts: { json?: boolean }) => {
    const report = await selectBackend();
    console.log(opts.json ? JSON.stringify(report) : `backend ${report.backend} (requested ${report.requested})${report.fallbackReason ? `: ${report.fallbackReason}` : ''}`);
  });

try {
  await cli.parseAsync(process.argv);
} catch (e) {
  console.error(`graft: ${(e as Error).message}`);
  process.exitCode = 1;
}

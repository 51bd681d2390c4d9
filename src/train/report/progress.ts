// Training progress for people: a cli-progress bar on a terminal, plain log lines elsewhere (CI, pipes, files).
import cliProgress from 'cli-progress';

export interface ProgressInfo {
  /** The number (from 1) of the epoch of the step just taken. */
  readonly epoch?: number;
  /** The step's training loss. */
  readonly loss?: number;
  /** Steps taken by this tick (default 1). */
  readonly steps?: number;
}

export interface ProgressOptions {
  /** Steps in the whole run (epochs × batches per epoch). */
  readonly total: number;
  readonly label: string;
  /** Epochs in the run, to show "epoch 3/10" (optional). */
  readonly epochs?: number;
  /** Where to write; default process.stdout. A bar only when `stream.isTTY` is true. */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Plain mode: one line every this many steps (default: about ten lines per run) and one at done(). */
  readonly every?: number;
  /** Milliseconds clock, for tests (default performance.now). */
  readonly now?: () => number;
}

export interface ProgressReporter {
  tick(info?: ProgressInfo): void;
  /** Ends the bar (or writes the last line); further ticks are ignored. */
  done(): void;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export const progressReporter = (opts: ProgressOptions): ProgressReporter => {
  const stream = opts.stream ?? process.stdout;
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const total = Math.max(0, opts.total);
  let step = 0;
  let epoch: number | undefined;
  let loss: number | undefined;
  const advance = (info: ProgressInfo) => {
    step += info.steps ?? 1;
    epoch = info.epoch ?? epoch;
    loss = info.loss ?? loss;
  };
  let finished = false;
  const epochText = () => (epoch === undefined ? '' : `epoch ${epoch}${opts.epochs ? `/${opts.epochs}` : ''}`);
  const lossText = () => (loss === undefined ? '' : `loss ${loss.toFixed(4)}`);
  const payload = () => ({ epochText: epochText() || '-', lossText: lossText() || '-', elapsedText: seconds(now() - t0) });

  if (stream.isTTY === true) {
    const bar = new cliProgress.SingleBar({
      stream,
      format: `${opts.label} [{bar}] {value}/{total} steps | {epochText} | {lossText} | {elapsedText}`,
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
    }, cliProgress.Presets.shades_classic);
    bar.start(total, 0, payload());
    return {
      tick(info = {}) {
        if (finished) return;
        advance(info);
        bar.update(Math.min(step, total), payload());
      },
      done() {
        if (finished) return;
        finished = true;
        bar.update(Math.min(step, total), payload());
        bar.stop();
      },
    };
  }

  const every = Math.max(1, opts.every ?? Math.ceil(total / 10));
  const line = () => {
    const pct = total > 0 ? ` (${Math.round((100 * step) / total)}%)` : '';
    stream.write(`${[`${opts.label}: step ${step}/${total}${pct}`, epochText(), lossText(), seconds(now() - t0)].filter(Boolean).join(' | ')}\n`);
  };
  let lastLine = 0;
  return {
    tick(info = {}) {
      if (finished) return;
      advance(info);
      if (step - lastLine >= every) {
        lastLine = step;
        line();
      }
    },
    done() {
      if (finished) return;
      finished = true;
      if (lastLine !== step || step === 0) line();
    },
  };
};

// Ctrl-C during a run: say where the run folder is and how to go on, then exit 130 (128 + SIGINT), as shells do.
// Every file a run writes is replaced atomically in one synchronous call, which a signal handler cannot split.

/** The argument as a POSIX shell reads it back: bare when it is plainly safe, else single-quoted. */
export const shellQuote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

export const INTERRUPTED_EXIT_CODE = 130;

/** `graft <command> --resume <dir>`, ready to paste. */
export const resumeCommand = (command: string, dir: string): string => `graft ${command} --resume ${shellQuote(dir)}`;

/** Until the returned function is called, SIGINT prints `lines` and exits with 130. */
export const onInterrupt = (lines: () => readonly string[], log: (s: string) => void): (() => void) => {
  const handler = () => {
    // a progress bar may hold the line: start a fresh one
    log(['', ...lines()].join('\n'));
    process.exit(INTERRUPTED_EXIT_CODE);
  };
  process.on('SIGINT', handler);
  return () => void process.off('SIGINT', handler);
};

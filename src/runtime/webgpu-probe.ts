// Whether Dawn finds a usable adapter, asked in a child process: Dawn prints its diagnostics (XDG_RUNTIME_DIR,
// Vulkan devices it turns down) straight to the process's stderr, where graft cannot silence them in-process.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./webgpu-probe-child.mjs', import.meta.url));
const TIMEOUT_MS = 30_000;

interface ChildAnswer {
  readonly adapter?: boolean;
  readonly loadError?: string;
}

/** The first thing Dawn said it wanted and did not find ("Warning: Vulkan … required."), for the reason line. */
const dawnComplaint = (stderr: string): string | undefined =>
  stderr.split('\n').map((l) => /^Warning: (.*?)\.?$/.exec(l.trim())?.[1]).find((w) => w !== undefined);

/** Resolves to undefined when Dawn finds an adapter, else graft's one-line reason; Dawn's own output is kept out of sight. */
export const probeWebGPUQuietly = (): Promise<string | undefined> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD], { stdio: ['ignore', 'pipe', 'pipe'], timeout: TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => resolve(`webgpu: could not start the adapter probe (${e.message})`));
    child.on('close', (code, signal) => {
      let answer: ChildAnswer | undefined;
      try {
        answer = JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildAnswer;
      } catch {
        answer = undefined;
      }
      if (answer?.adapter) return resolve(undefined);
      if (answer?.loadError !== undefined) return resolve(`webgpu: the Dawn module did not load (${answer.loadError})`);
      if (answer === undefined) return resolve(`webgpu: the adapter probe ${signal ? `was stopped (${signal}${signal === 'SIGTERM' ? `, no answer in ${TIMEOUT_MS / 1000} s` : ''})` : `exited with code ${code} without an answer`}`);
      const complaint = dawnComplaint(stderr);
      resolve(complaint ? `webgpu: no usable GPU adapter (Dawn turned down the Vulkan device here: ${complaint})` : 'webgpu: no adapter (no GPU with a Vulkan driver on this machine)');
    });
  });

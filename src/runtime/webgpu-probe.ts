// Whether Dawn finds a usable adapter, asked in a child process: Dawn prints its diagnostics (XDG_RUNTIME_DIR,
// Vulkan devices it turns down) straight to the process's stderr, where graft cannot silence them in-process.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./webgpu-probe-child.mjs', import.meta.url));
const TIMEOUT_MS = 30_000;

/** What the adapter says it is. */
export interface AdapterInfo {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter: boolean;
}

interface ChildAnswer {
  readonly adapter?: boolean;
  readonly info?: AdapterInfo;
  readonly loadError?: string;
}

export type ProbeAnswer = { readonly adapter: AdapterInfo } | { readonly reason: string };

/** Software renderers (SwiftShader, lavapipe, WARP) run on the CPU: for correctness, not speed. */
export const isSoftware = (a: AdapterInfo): boolean =>
  a.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|warp|software/i.test(`${a.architecture ?? ''} ${a.description ?? ''} ${a.device ?? ''}`);

/** One line naming an adapter for reports ("google swiftshader (SwiftShader driver 5.0.0), software"). */
export const describeAdapter = (a: AdapterInfo): string => {
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unnamed adapter';
  return `${name}${a.description ? ` (${a.description})` : ''}${isSoftware(a) ? ', software' : ''}`;
};

/** The first thing Dawn said it wanted and did not find ("Warning: Vulkan … required."), for the reason line. */
const dawnComplaint = (stderr: string): string | undefined =>
  stderr.split('\n').map((l) => /^Warning: (.*?)\.?$/.exec(l.trim())?.[1]).find((w) => w !== undefined);

/** Asks a child process for Dawn's adapter under `env`; Dawn's own output is kept out of sight. */
export const probeAdapter = (env: NodeJS.ProcessEnv = process.env): Promise<ProbeAnswer> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD], { stdio: ['ignore', 'pipe', 'pipe'], timeout: TIMEOUT_MS, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => resolve({ reason: `webgpu: could not start the adapter probe (${e.message})` }));
    child.on('close', (code, signal) => {
      let answer: ChildAnswer | undefined;
      try {
        answer = JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildAnswer;
      } catch {
        answer = undefined;
      }
      if (answer?.adapter) return resolve({ adapter: answer.info ?? { isFallbackAdapter: false } });
      if (answer?.loadError !== undefined) return resolve({ reason: `webgpu: the Dawn module did not load (${answer.loadError})` });
      if (answer === undefined) return resolve({ reason: `webgpu: the adapter probe ${signal ? `was stopped (${signal}${signal === 'SIGTERM' ? `, no answer in ${TIMEOUT_MS / 1000} s` : ''})` : `exited with code ${code} without an answer`}` });
      const complaint = dawnComplaint(stderr);
      resolve({ reason: complaint ? `webgpu: no usable GPU adapter (Dawn turned down the Vulkan device here: ${complaint})` : 'webgpu: no adapter (no GPU with a Vulkan driver on this machine)' });
    });
  });

/** Resolves to undefined when Dawn finds any adapter, else graft's one-line reason. */
export const probeWebGPUQuietly = async (): Promise<string | undefined> => {
  const a = await probeAdapter();
  return 'reason' in a ? a.reason : undefined;
};

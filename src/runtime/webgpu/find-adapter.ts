// Which WebGPU adapter graft may use. `auto` takes only a real GPU; a software adapter (SwiftShader)
// is for correctness, not speed, so it runs only when webgpu is asked for by name. Where no adapter
// answers and Debian's chromium ships SwiftShader's Vulkan driver, graft points the Vulkan loader at
// it (VK_ICD_FILENAMES) so users and tests need not; a real GPU is never hidden, as this happens
// only after the loader's own drivers found nothing.
import { existsSync } from 'node:fs';
import type { AdapterInfo } from '../webgpu-probe.js';
import { describeAdapter, isSoftware, probeAdapter } from '../webgpu-probe.js';

/** Where distributions put SwiftShader's Vulkan driver manifest (Debian/Ubuntu chromium). */
export const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib/chromium-browser/vk_swiftshader_icd.json'];

export const INSTALL_HINT = 'for a software adapter: apt-get install libvulkan1 chromium, and VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json if graft does not find it';

export type AdapterAnswer = { readonly adapter: AdapterInfo; readonly description: string } | { readonly reason: string };

const cache = new Map<boolean, Promise<AdapterAnswer>>();

const found = (adapter: AdapterInfo): AdapterAnswer => ({ adapter, description: describeAdapter(adapter) });

const find = async (allowSoftware: boolean): Promise<AdapterAnswer> => {
  const first = await probeAdapter();
  if ('adapter' in first) {
    if (allowSoftware || !isSoftware(first.adapter)) return found(first.adapter);
    return { reason: `webgpu: the only adapter is ${describeAdapter(first.adapter)}, for correctness rather than speed: used only when asked for (--backend webgpu)` };
  }
  const icd = SWIFTSHADER_ICDS.find((f) => existsSync(f));
  if (!allowSoftware || !icd || process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return { reason: `${first.reason} (${INSTALL_HINT})` };
  const second = await probeAdapter({ ...process.env, VK_ICD_FILENAMES: icd });
  if (!('adapter' in second)) return { reason: `${first.reason}; with SwiftShader's driver (${icd}): ${second.reason.replace(/^webgpu: /, '')}` };
  // Dawn, loaded in this process later, reads the variable when it creates its Vulkan instance
  process.env.VK_ICD_FILENAMES = icd;
  return found(second.adapter);
};

/** The adapter webgpu would run on (software ones only if `allowSoftware`), or why there is none; asked once per mode. */
export const findWebGPUAdapter = (allowSoftware: boolean): Promise<AdapterAnswer> => {
  let p = cache.get(allowSoftware);
  if (!p) cache.set(allowSoftware, (p = find(allowSoftware)));
  return p;
};

// Shared by the webgpu suites: they run where Dawn finds an adapter (software ones included) and
// skip elsewhere, saying why and how to get one; GRAFT_REQUIRE_WEBGPU=1 (CI) turns the skip into a failure.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findWebGPUAdapter } from '../../../src/runtime/index.js';
import { INSTALL_HINT } from '../../../src/runtime/webgpu/find-adapter.js';

const found = await findWebGPUAdapter(true);
export const noAdapter: string | undefined = 'reason' in found ? `${found.reason}` : undefined;
const required = process.env.GRAFT_REQUIRE_WEBGPU === '1';

/** A describe() that needs a WebGPU adapter. */
export const webgpuSuite = (name: string, body: () => void): void => {
  if (noAdapter === undefined) return void describe(name, body);
  if (required) return void describe(name, () => it('needs a WebGPU adapter (GRAFT_REQUIRE_WEBGPU=1)', () => assert.fail(noAdapter)));
  describe(name, { skip: `no WebGPU adapter: ${noAdapter.includes(INSTALL_HINT) ? noAdapter : `${noAdapter} (${INSTALL_HINT})`}` }, body);
};

// `npm run build`: graft bundled by esbuild, for Node (ESM; dependencies stay imports) and for
// browsers (everything inlined, no Node built-ins: worker_threads and node:os swapped for their
// .browser.ts stand-ins). Prints each bundle's size.
import { build } from 'esbuild';
import { copyFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Imports of a Node-only module resolve to its `.browser.ts` sibling where one exists. */
const browserStandIns = {
  name: 'browser-stand-ins',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      const standIn = new URL(args.path.replace(/\.js$/, '.browser.ts'), `file://${args.resolveDir}/`);
      return existsSync(standIn) ? { path: fileURLToPath(standIn) } : undefined;
    });
  },
};

const common = { absWorkingDir: ROOT, bundle: true, format: 'esm', target: 'es2022', metafile: true, legalComments: 'none', logLevel: 'warning' };
const bundles = [
  { ...common, entryPoints: ['src/index.ts'], outfile: 'dist/graft.mjs', platform: 'node', packages: 'external' },
  { ...common, entryPoints: ['src/browser.ts'], outfile: 'dist/graft.browser.mjs', platform: 'browser', minify: true, plugins: [browserStandIns] },
];
for (const options of bundles) {
  const result = await build(options);
  const nodeOnly = Object.keys(result.metafile.inputs).filter((f) => f.startsWith('node:'));
  if (options.platform === 'browser' && nodeOnly.length) throw new Error(`the browser bundle imports ${nodeOnly.join(', ')}`);
  writeFileSync(`${ROOT}/${options.outfile}.meta.json`, JSON.stringify(result.metafile));
  console.log(`${options.outfile}: ${(statSync(`${ROOT}/${options.outfile}`).size / 1024).toFixed(0)} KiB`);
}
// the Node bundle asks Dawn for an adapter in a child process that runs this file, next to it
copyFileSync(`${ROOT}/src/runtime/webgpu-probe-child.mjs`, `${ROOT}/dist/webgpu-probe-child.mjs`);

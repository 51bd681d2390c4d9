// `npm run build`: graft bundled by esbuild, for Node (ESM; dependencies stay imports) and for
// browsers (everything inlined, no Node built-ins: worker threads, node:os and gpu.js swapped for their
// .browser.ts stand-ins). Prints each bundle's size.   node scripts/build.mjs [out-folder, default dist]
import { build } from 'esbuild';
import { copyFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = resolve(process.argv[2] ?? `${ROOT}/dist`);

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
  { ...common, entryPoints: ['src/index.ts'], outfile: `${OUT}/graft.mjs`, platform: 'node', packages: 'external' },
  { ...common, entryPoints: ['src/browser.ts'], outfile: `${OUT}/graft.browser.mjs`, platform: 'browser', minify: true, plugins: [browserStandIns] },
];
for (const options of bundles) {
  const result = await build(options);
  const nodeOnly = Object.keys(result.metafile.inputs).filter((f) => f.startsWith('node:'));
  if (options.platform === 'browser' && nodeOnly.length) throw new Error(`the browser bundle imports ${nodeOnly.join(', ')}`);
  writeFileSync(`${options.outfile}.meta.json`, JSON.stringify(result.metafile));
  console.log(`${relative(ROOT, options.outfile)}: ${(statSync(options.outfile).size / 1024).toFixed(0)} KiB`);
}
// the Node bundle asks Dawn for an adapter in a child process that runs this file, next to it
copyFileSync(`${ROOT}/src/runtime/webgpu-probe-child.mjs`, `${OUT}/webgpu-probe-child.mjs`);

#!/usr/bin/env node
// Builds the CLI bundle bin/atrium.js runs: src/ bundled by esbuild into plain JavaScript
// in dist/cli/, so a command does not start the tsx loader and transpile its modules on
// every start (most of a no-change `atrium sync`; and a parse worker each, in a cold one).
// Run by `prepare` (npm install, npm ci) and by scripts/test.js; bin/atrium.js falls back
// to the sources through tsx whenever a file under src/ is newer than the bundle.
//
// The output is flat: the entry points (the CLI, each worker thread's module, the module
// that registers the catalog kinds, which worker threads import by URL) and the chunks
// they share sit side by side, as src/platform/source-tree.ts expects. Packages stay
// imports of node_modules. Every other module's `import.meta.url` is rewritten to its
// source file's URL, so what a module finds beside itself (the portal's asset sources, a
// worker's entry) is found from the bundle too. An entry point keeps its own: its URL is
// a module to import (capabilities.ts hands its URL to worker threads, which import it),
// and so does source-tree.ts, which tells the bundle from the sources by it.
import { readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const out = join(root, 'dist', 'cli');
const entryPoints = {
  main: join(root, 'src', 'main.ts'),
  capabilities: join(root, 'src', 'capabilities.ts'),
  'parse-worker': join(root, 'src', 'catalog', 'parse-worker.ts'),
  'export-worker': join(root, 'src', 'portal', 'export-worker.ts'),
  'browser-worker': join(root, 'src', 'checks', 'browser-worker.ts'),
};
const ownUrl = new Set([...Object.values(entryPoints), join(root, 'src', 'platform', 'source-tree.ts')]);

/** Each module's import.meta.url as its source file's URL, relative to the bundle (so the checkout may move). */
const sourceUrls = {
  name: 'source-urls',
  setup(b) {
    b.onLoad({ filter: /\/src\/.*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (ownUrl.has(args.path) || !text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
      const fromBundle = JSON.stringify(relative(out, args.path).split('\\').join('/'));
      return {
        contents: text.replaceAll('import.meta.url', `new URL(${fromBundle}, import.meta.url).href`),
        loader: 'ts',
      };
    });
  },
};

await rm(out, { recursive: true, force: true });
await build({
  entryPoints,
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // Error stacks and class names as in the sources (`node --enable-source-maps` maps lines back).
  keepNames: true,
  sourcemap: 'linked',
  chunkNames: '[name]-[hash]',
  plugins: [sourceUrls],
  logLevel: 'warning',
});

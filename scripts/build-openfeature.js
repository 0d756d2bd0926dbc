#!/usr/bin/env node
// Builds the package's `atrium/openfeature` entry point (package.json "exports"): the
// OpenFeature provider bundled to plain JavaScript, so an application on any Node.js 20
// imports it without tsx, with @openfeature/server-sdk left to the application (a peer
// dependency: one SDK instance per process), and its type declarations. Run by `prepare`
// (npm install, npm ci) and by scripts/test.js, which tests the built entry point.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const out = join(root, 'dist', 'openfeature');
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src', 'flags', 'openfeature-provider.ts')],
  outfile: join(out, 'index.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['@openfeature/server-sdk'],
  logLevel: 'warning',
});
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  // An install without devDependencies (npm install --omit=dev) runs the portal, not the type checker.
  console.warn(
    'atrium/openfeature: typescript is not installed, so the entry point is built without type declarations',
  );
  process.exit(0);
}
const tsconfig = join(out, 'tsconfig.json');
writeFileSync(
  tsconfig,
  JSON.stringify({
    extends: join(root, 'tsconfig.json'),
    compilerOptions: {
      noEmit: false,
      declaration: true,
      emitDeclarationOnly: true,
      rootDir: join(root, 'src', 'flags'),
      outDir: join(out, 'types'),
      typeRoots: [join(root, 'node_modules', '@types')],
    },
    include: [],
    files: [join(root, 'src', 'flags', 'openfeature-provider.ts')],
  }),
);
const declarations = spawnSync(process.execPath, [tsc, '-p', tsconfig], { stdio: 'inherit' });
rmSync(tsconfig);
if (declarations.status !== 0) process.exit(declarations.status ?? 1);

#!/usr/bin/env node
// The published entry point: runs the CLI bundle (dist/cli, built by scripts/build-cli.js
// at `prepare`) when it is newer than every file under src/, so a command does not pay the
// TypeScript loader on every start; otherwise (an edited source, no bundle) registers the
// loader and runs src/main.ts, as before. Either way it hands argv to main().
import { readdirSync, statSync } from 'node:fs';

const bundle = new URL('../dist/cli/main.js', import.meta.url);
const sources = new URL('../src/', import.meta.url);

/** True when the bundle exists and is newer than every file under src/ (a few ms of stat calls). */
function bundleIsCurrent() {
  let built;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  for (const entry of readdirSync(sources, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs > built) return false;
  }
  return true;
}

async function fromSources() {
  const { register } = await import('tsx/esm/api');
  register();
  return import('../src/main.ts');
}

const { main } = bundleIsCurrent() ? await import(bundle.href) : await fromSources();
process.exitCode = await main(process.argv.slice(2));

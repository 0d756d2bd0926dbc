#!/usr/bin/env node
// The published entry point: registers the TypeScript loader, then hands argv to src/main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));

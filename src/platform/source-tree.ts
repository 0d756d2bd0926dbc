/**
 * Where the running code came from: the TypeScript sources under src/ (through the tsx
 * loader: tests, `node --import tsx`, a CLI whose bundle is out of date) or the CLI bundle
 * scripts/build-cli.js writes flat into dist/cli/ (bin/atrium.js prefers it, so a command
 * does not pay the loader on every start). In the bundle a module's `import.meta.url` is
 * still its source file's URL (the build rewrites it), so files named relative to a
 * module (a portal asset) are found as before; the bundle's entry points keep their own
 * (a module handed to a worker thread by URL, such as capabilities.ts, is one), and so does
 * this module, which is how it knows. A worker's entry named by its source URL is mapped
 * to the bundle's entry point here.
 */

/** True when this runs from the bundle (a .js file in dist/cli/), not from src/ through tsx. */
export const RUNS_BUNDLED = !import.meta.url.endsWith('.ts');

/**
 * The module to load for a source file's URL: the file itself from the sources; from the
 * bundle, the entry point built from it (every module loaded this way is one of the
 * bundle's entry points, named after its file: src/catalog/parse-worker.ts is
 * dist/cli/parse-worker.js, beside this module's chunk).
 */
export function loadableModule(source: URL): URL {
  if (!RUNS_BUNDLED || !source.pathname.endsWith('.ts')) return source;
  const name = source.pathname.slice(source.pathname.lastIndexOf('/') + 1).replace(/\.ts$/, '.js');
  return new URL(`./${name}`, import.meta.url);
}

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { OFFLINE_PAGE_PATH } from '../web/offline-note.ts';

/**
 * The portal's static files: the stylesheet, the icon, the client script (bundled from
 * TypeScript, sharing the search ranking with the server) and the service worker. Assets
 * get content hashes in their names so browsers and the worker may cache them forever;
 * the worker and the manifest keep fixed names at the site root (a worker's scope is its
 * folder).
 */
export interface StaticFile {
  body: Buffer;
  contentType: string;
  /** Safe to cache forever (the name changes with the content). */
  immutable: boolean;
}

export interface AssetBundle {
  /** Site-relative path → file. */
  files: ReadonlyMap<string, StaticFile>;
  /** Asset name (`site.css`) → site-relative path (`assets/site.1a2b3c4d.css`). */
  names: ReadonlyMap<string, string>;
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const fingerprint = (body: Buffer): string => createHash('sha256').update(body).digest('hex').slice(0, 10);

async function bundle(entry: string, format: 'esm' | 'iife'): Promise<Buffer> {
  const result = await build({
    entryPoints: [here(entry)],
    bundle: true,
    format,
    minify: true,
    target: 'es2020',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced nothing for ${entry}`);
  return Buffer.from(output.contents);
}

function manifest(names: ReadonlyMap<string, string>): Buffer {
  // Relative URLs resolve against the manifest's own URL, so it works under any base path.
  return Buffer.from(
    JSON.stringify({
      name: 'Atrium developer portal',
      short_name: 'Atrium',
      description: 'Who owns what, who is on call, runbooks, APIs and dependencies.',
      start_url: './',
      scope: './',
      display: 'standalone',
      background_color: '#ffffff',
      theme_color: '#0a5c4a',
      icons: [{ src: names.get('icon.svg'), sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
    }),
  );
}

let built: Promise<AssetBundle> | undefined;

/** Builds the bundle once per process (about 50 ms). */
export function loadAssets(): Promise<AssetBundle> {
  built ??= (async () => {
    const sources: [string, Buffer, string][] = [
      ['site.css', await readFile(here('./assets/site.css')), 'text/css; charset=utf-8'],
      ['icon.svg', await readFile(here('./assets/icon.svg')), 'image/svg+xml'],
      ['app.js', await bundle('./client/app.ts', 'esm'), 'text/javascript; charset=utf-8'],
    ];
    const files = new Map<string, StaticFile>();
    const names = new Map<string, string>();
    for (const [name, body, contentType] of sources) {
      const dot = name.lastIndexOf('.');
      const path = `assets/${name.slice(0, dot)}.${fingerprint(body)}${name.slice(dot)}`;
      files.set(path, { body, contentType, immutable: true });
      names.set(name, path);
    }
    files.set('sw.js', {
      body: await bundle('./client/sw.ts', 'iife'),
      contentType: 'text/javascript; charset=utf-8',
      immutable: false,
    });
    files.set('manifest.webmanifest', {
      body: manifest(names),
      contentType: 'application/manifest+json',
      immutable: false,
    });
    return { files, names };
  })();
  return built;
}

/** What the service worker saves ahead of any visit: the assets, the home page, the offline page and every runbook. */
export function offlineManifest(assets: AssetBundle, runbookPaths: readonly string[]): Buffer {
  return Buffer.from(
    JSON.stringify({ assets: [...assets.names.values()], pages: ['', OFFLINE_PAGE_PATH, ...runbookPaths] }),
  );
}

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { renderPage, type PortalData } from './site-map.ts';
import type { Site } from '../web/site.ts';

/** Pages in flight: enough for file writes on the thread pool to overlap with rendering. */
const CONCURRENCY = 16;

export interface Writer {
  write(path: string, body: string | Buffer): Promise<void>;
  readonly files: number;
  readonly bytes: number;
}

/**
 * Writes files below `out`, refusing any path that leaves it. Each folder is made once, by
 * one plain mkdir after its parent: a recursive mkdir per page would stat every ancestor
 * again, tens of thousands of times. Another thread making the same folder is fine.
 */
export function writerFor(out: string): Writer {
  const made = new Map<string, Promise<void>>([[out, Promise.resolve()]]);
  const makeDir = (dir: string): Promise<void> => {
    let pending = made.get(dir);
    if (!pending) {
      pending = makeDir(dirname(dir)).then(() =>
        mkdir(dir).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        }),
      );
      made.set(dir, pending);
    }
    return pending;
  };
  const writer = {
    files: 0,
    bytes: 0,
    async write(path: string, body: string | Buffer) {
      const file = resolve(out, path);
      if (!file.startsWith(out + sep)) throw new Error(`Refusing to write outside the export: ${path}`);
      await makeDir(dirname(file));
      await writeFile(file, body);
      writer.files++;
      writer.bytes += Buffer.byteLength(body);
    },
  };
  return writer;
}

/** Renders each site-relative path to `<path>/index.html`; a path the site map does not answer with a page is a bug. */
export async function renderPaths(
  data: PortalData,
  site: Site,
  writer: Writer,
  paths: readonly string[],
  onPage: () => void,
): Promise<void> {
  let next = 0;
  const one = async (path: string) => {
    const result = await renderPage(data, site, path, new URLSearchParams());
    if (result.status !== 200) throw new Error(`The site map produced ${path}, which renders as ${result.status}`);
    await writer.write(
      join(...path.split('/').filter(Boolean).map(decodeURIComponent), 'index.html'),
      result.html.value,
    );
    onPage();
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < paths.length) await one(paths[next++] as string);
    }),
  );
}

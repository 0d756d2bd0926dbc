import { posix } from 'node:path';
import type { CatalogRoot } from '../catalog/files.ts';

/**
 * Markdown kept beside the code, read from the catalog root with the root's safety rules
 * (nothing outside it, size-limited, UTF-8 only). A docs folder is what
 * `backstage.io/techdocs-ref: dir:<path>` names; as in TechDocs, its pages live in
 * `<path>/docs/` when that folder exists.
 */
export const MAX_DOC_PAGES = 500;

export interface DocsTree {
  /** Root-relative folder holding the pages. */
  dir: string;
  /** Page paths relative to `dir`, sorted, `.md` files only. */
  pages: string[];
}

export class DocsSource {
  private opened: Promise<CatalogRoot> | undefined;
  /** Every file and folder listing read, with its stamp then: the sync does not track docs, so the portal asks here whether they changed. */
  private readonly seen = new Map<string, string | null>();

  /** `open` is called on first use: a server can start before its catalog folder is readable. */
  constructor(private readonly open: () => Promise<CatalogRoot>) {}

  private root(): Promise<CatalogRoot> {
    this.opened ??= this.open().catch((err: unknown) => {
      this.opened = undefined; // try again next time: the folder may appear
      throw err;
    });
    return this.opened;
  }

  async tree(docsDir: string): Promise<DocsTree | undefined> {
    const root = await this.root();
    const nested = docsDir ? `${docsDir}/docs` : 'docs';
    const dir = (await root.isDirectory(nested)) ? nested : docsDir;
    await this.remember(root, dir || '.');
    if (!(await root.isDirectory(dir || '.'))) return undefined;
    const files = await root.list(dir || '.', MAX_DOC_PAGES * 4);
    // A page added or removed below a subfolder changes that subfolder, not the top one.
    for (const folder of new Set(files.map((f) => f.slice(0, Math.max(0, f.lastIndexOf('/'))) || '.')))
      await this.remember(root, folder);
    const prefix = dir ? `${dir}/` : '';
    const pages = files
      .filter((f) => f.toLowerCase().endsWith('.md') && f.startsWith(prefix))
      .map((f) => f.slice(prefix.length))
      .slice(0, MAX_DOC_PAGES);
    return { dir, pages };
  }

  /** A Markdown file's text, or the reason it cannot be shown. */
  async read(path: string): Promise<{ ok: true; text: string } | { ok: false; message: string }> {
    const root = await this.root();
    await this.remember(root, path);
    const result = await root.read(path);
    return result.ok ? { ok: true, text: result.text } : { ok: false, message: result.failure.message };
  }

  private async remember(root: CatalogRoot, path: string): Promise<void> {
    if (!this.seen.has(path)) this.seen.set(path, await root.stamp(path));
  }

  /** The files and folders read so far (root-relative): what a watcher should watch besides the descriptors. */
  files(): string[] {
    return [...this.seen.keys()];
  }

  /**
   * Whether anything read so far changed since it was read (or since the last call). A
   * docs edit changes no descriptor, so a sync finds nothing new; this tells the portal
   * to drop its rendered pages anyway.
   */
  async changed(): Promise<boolean> {
    if (!this.opened) return false;
    const root = await this.root();
    let changed = false;
    for (const [path, stamp] of this.seen) {
      const now = await root.stamp(path);
      if (now !== stamp) {
        changed = true;
        this.seen.set(path, now);
      }
    }
    return changed;
  }
}

/** The page a docs URL names: `''` is the index (index.md, else README.md, else the first page). */
export function pageForSlug(tree: DocsTree, slug: string): string | undefined {
  if (slug === '') {
    const lower = new Map(tree.pages.map((p) => [p.toLowerCase(), p]));
    return lower.get('index.md') ?? lower.get('readme.md') ?? tree.pages[0];
  }
  return tree.pages.find((p) => docSlug(p) === slug);
}

/** A page's URL slug below the docs root: `guides/deploy.md` → `guides/deploy/`, `guides/index.md` → `guides/`. */
export function docSlug(page: string): string {
  const withoutExt = page.replace(/\.md$/i, '');
  const base = posix.basename(withoutExt).toLowerCase();
  const dir = posix.dirname(withoutExt);
  if (base === 'index' || base === 'readme') return dir === '.' ? '' : `${dir}/`;
  return `${withoutExt}/`;
}

/**
 * Where a relative link written in `fromPage` points: a page of the same tree (by its
 * slug, with the fragment kept), or undefined when it leaves the tree or names no page.
 */
export function resolveDocLink(
  tree: DocsTree,
  fromPage: string,
  target: string,
): { slug: string; fragment: string } | undefined {
  const hash = target.indexOf('#');
  const pathPart = (hash === -1 ? target : target.slice(0, hash)).replace(/\?.*$/, '');
  const fragment = hash === -1 ? '' : target.slice(hash);
  if (pathPart === '') return { slug: docSlug(fromPage), fragment };
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart);
  } catch {
    return undefined;
  }
  const joined = posix.normalize(posix.join(posix.dirname(fromPage), decoded));
  if (joined.startsWith('../') || joined === '..' || posix.isAbsolute(joined)) return undefined;
  const candidates = [
    joined,
    `${joined}.md`,
    `${joined.replace(/\/$/, '')}/index.md`,
    `${joined.replace(/\/$/, '')}/README.md`,
  ];
  const page = tree.pages.find((p) => candidates.some((c) => c.toLowerCase() === p.toLowerCase()));
  return page === undefined ? undefined : { slug: docSlug(page), fragment };
}

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Stamp } from './file-summary.ts';
import { EMPTY_URL_MAP, resolveUrl, urlMapFingerprint, type UrlIssue, type UrlMap } from './repository-urls.ts';

/**
 * Reading files from a catalog root, safely: nothing outside the root (not by `..`, not by
 * an absolute path, not through a symlink), nothing larger than the limit, nothing that
 * is not UTF-8 text.
 */

/**
 * Files larger than this are refused; documented in the user guide. Real catalogs hold
 * single files of 9 MB (a demo set of 10,000 entities); parsing one takes about 40 times
 * its size in memory, so the limit bounds a parse near 700 MB.
 */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;

/** The hint of a file over the limit: a size that fits it, as the flag and the settings spell it. */
function tooLargeHint(size: number): string {
  const kib = Math.ceil(size / 1024);
  const fits = kib <= 1024 ? `${2 ** Math.ceil(Math.log2(kib))}KiB` : `${2 ** Math.ceil(Math.log2(kib / 1024))}MiB`;
  return `Split the file, or raise the limit if it really must be this large: --max-file-size ${fits} (or ATRIUM_CATALOG_MAX_FILE_BYTES, or maxFileBytes in atrium.yaml).`;
}

export type ReadFailure = {
  code: 'file-missing' | 'file-too-large' | 'file-binary' | 'file-encoding' | 'file-unreadable' | 'path-outside-root';
  message: string;
  hint: string;
};

/** At most this many files per catalog. */
export const MAX_FILES = 200_000;

/** A file modified less than this long ago may still be being written: its stamp is not trusted. */
const RACY_WINDOW_MS = 2000;

export type ReadResult =
  | { ok: true; text: string; hash: string; stamp: Stamp | null }
  | { ok: false; hash: string | null; stamp: Stamp | null; failure: ReadFailure };

/** A URL seen from a root: a root-relative file, refused, or mapped to nothing. */
export type MappedUrl =
  | { kind: 'file'; path: string; warning?: UrlIssue }
  | { kind: 'refused'; issue: UrlIssue }
  | { kind: 'unmapped' };

export class CatalogRoot {
  private readonly shared = new Map<string, Promise<ReadResult>>();
  private readonly stamps = new Map<string, Promise<Stamp | null>>();
  private fingerprint: string | undefined | null = null;

  private constructor(
    /** Absolute, symlinks resolved. */
    readonly dir: string,
    readonly maxFileBytes: number,
    /** Which URLs name files of this root (its git checkout's, `catalog.urlMappings`). */
    readonly urls: UrlMap = EMPTY_URL_MAP,
    /** Milliseconds since the epoch, compared with files' mtimes: the syncer's clock, injectable. */
    readonly now: () => number = Date.now,
    /** A walk's root remembers stamps (a walk is a moment; a long-lived root must not). */
    private readonly rememberStamps = false,
  ) {}

  static async open(
    dir: string,
    maxFileBytes = DEFAULT_MAX_FILE_BYTES,
    urls?: UrlMap,
    now?: () => number,
  ): Promise<CatalogRoot> {
    return new CatalogRoot(await realpath(resolve(dir)), maxFileBytes, urls, now);
  }

  /** Posix-style path relative to the root, as shown in problems. */
  relativePath(absolute: string): string {
    return relative(this.dir, absolute).split(sep).join('/');
  }

  absolutePath(path: string): string {
    return resolve(this.dir, path);
  }

  /**
   * Resolves `target` against the directory `fromDir` (relative to the root). Returns the
   * root-relative path, or undefined when the target is absolute or leaves the root.
   */
  resolveInside(fromDir: string, target: string): string | undefined {
    if (isAbsolute(target) || /^[a-zA-Z]:[\\/]/.test(target) || target.startsWith('\\')) return undefined;
    const absolute = resolve(this.dir, fromDir, target);
    return this.contains(absolute) ? this.relativePath(absolute) : undefined;
  }

  /** A short fingerprint of the URL map (undefined without one): a file parsed under another is parsed again. */
  get urlsFingerprint(): string | undefined {
    if (this.fingerprint === null) {
      const text = urlMapFingerprint(this.urls);
      this.fingerprint = text === undefined ? undefined : createHash('sha1').update(text).digest('hex').slice(0, 16);
    }
    return this.fingerprint;
  }

  /** Where a URL points inside this root, through its URL map; never outside it. */
  mapUrl(url: string): MappedUrl {
    const resolved = resolveUrl(this.urls, url);
    if (resolved.kind !== 'file') return resolved;
    if (!this.contains(resolved.absolute))
      return {
        kind: 'refused',
        issue: {
          code: 'url-outside-root',
          message: `${url} maps to ${resolved.absolute}, outside the catalog root`,
          hint: 'Atrium reads nothing outside the catalog root: widen the root (name the checkout) or fix the mapping.',
        },
      };
    return { kind: 'file', path: this.relativePath(resolved.absolute), warning: resolved.warning };
  }

  contains(absolute: string): boolean {
    const rel = relative(this.dir, absolute);
    // `..` or `../x` leaves the root; a name like `..hidden.yaml` does not.
    return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
  }

  /** Reads a root-relative file as UTF-8 text, enforcing every rule above. */
  async read(path: string): Promise<ReadResult> {
    let real: string;
    try {
      real = await realpath(this.absolutePath(path));
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      return fail(
        null,
        null,
        missing ? 'file-missing' : 'file-unreadable',
        missing ? `${path} does not exist` : `${path} cannot be read: ${(err as Error).message}`,
        missing
          ? 'Create the file or fix the path (paths are relative to the file that names them).'
          : "Check the file's permissions.",
      );
    }
    if (!this.contains(real)) {
      return fail(
        null,
        null,
        'path-outside-root',
        `${path} resolves outside the catalog root (through a symbolic link)`,
        'Catalog files must live inside the catalog root; copy the file in instead of linking to it.',
      );
    }
    // Only regular files are opened: opening a FIFO would wait for a writer forever.
    const kind = await stat(real).catch(() => undefined);
    if (!kind?.isFile())
      return fail(
        null,
        null,
        'file-unreadable',
        `${path} is not a regular file`,
        'Point at a file, not a directory, pipe or device.',
      );
    // Non-blocking: should a pipe take the file's place between stat and open, opening it returns at once.
    const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined);
    if (!handle)
      return fail(null, null, 'file-unreadable', `${path} cannot be opened`, "Check the file's permissions.");
    try {
      const info = await handle.stat();
      if (!info.isFile())
        return fail(
          null,
          null,
          'file-unreadable',
          `${path} is not a regular file`,
          'Point at a file, not a directory or device.',
        );
      if (info.size > this.maxFileBytes) {
        return fail(
          null,
          null,
          'file-too-large',
          `${path} is ${info.size} bytes, over the limit of ${this.maxFileBytes}`,
          tooLargeHint(info.size),
        );
      }
      // Read at most one byte past the limit, in case the file grew since stat.
      const buffer = Buffer.alloc(Math.min(info.size, this.maxFileBytes) + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > this.maxFileBytes) {
        return fail(
          null,
          null,
          'file-too-large',
          `${path} is over the limit of ${this.maxFileBytes} bytes`,
          // It grew since stat: its size is unknown, so the hint asks for twice the limit.
          tooLargeHint(this.maxFileBytes * 2),
        );
      }
      const bytes = buffer.subarray(0, bytesRead);
      const hash = createHash('sha1').update(bytes).digest('hex');
      // A file changed within the last moments may change again within the same clock tick
      // with the same size ("racy" in git's words): remember no stamp, so it is read next time.
      const stamp = this.now() - info.mtimeMs > RACY_WINDOW_MS ? stampOf(info) : null;
      if (bytes.includes(0)) {
        return fail(
          hash,
          stamp,
          'file-binary',
          `${path} is a binary file`,
          'Catalog files are UTF-8 text; remove the binary file or the reference to it.',
        );
      }
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
      } catch {
        return fail(
          hash,
          stamp,
          'file-encoding',
          `${path} is not valid UTF-8`,
          'Re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`).',
        );
      }
      return { ok: true, text, hash, stamp };
    } finally {
      await handle.close();
    }
  }

  /**
   * Every file below a root-relative directory, sorted, skipping `node_modules` and
   * dot-folders (each told to `onDotFolder`) and never following symbolic links out of
   * the tree. Stops at `limit`.
   */
  async list(dir: string, limit: number, onDotFolder?: (path: string) => void): Promise<string[]> {
    const out: string[] = [];
    // The starting directory may itself be a symbolic link (a glob's base): list it only if it really is inside.
    const real = await realpath(this.absolutePath(dir)).catch(() => undefined);
    if (real === undefined || !this.contains(real)) return out;
    const pending = [this.absolutePath(dir)];
    while (pending.length > 0 && out.length < limit) {
      const current = pending.shift() as string;
      const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        const absolute = resolve(current, entry.name);
        if (entry.name.startsWith('.') && entry.isDirectory()) onDotFolder?.(this.relativePath(absolute));
        if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
        if (entry.isDirectory()) pending.push(absolute);
        // A pipe, socket or device is listed too (never a symbolic link): read() refuses it as a
        // problem of its own, so one that takes a file's place keeps that file's entities, stale.
        else if (!entry.isSymbolicLink()) out.push(this.relativePath(absolute));
      }
    }
    return out.sort().slice(0, limit);
  }

  /**
   * Like read(), but remembered for the life of this CatalogRoot: for files that many
   * descriptors share, such as an OpenAPI document named by $text. A walk works on its
   * own copy (`forWalk()`), so what it remembers never outlives it.
   */
  readShared(path: string): Promise<ReadResult> {
    let pending = this.shared.get(path);
    if (!pending) {
      pending = this.read(path);
      this.shared.set(path, pending);
    }
    return pending;
  }

  /** The same root for one walk: nothing remembered yet, and stamps remembered from now on. */
  forWalk(): CatalogRoot {
    return new CatalogRoot(this.dir, this.maxFileBytes, this.urls, this.now, true);
  }

  /** The file's stamp without reading it; null when it cannot be stat'ed. */
  async stamp(path: string): Promise<Stamp | null> {
    // Within a walk, remembered: it asks for the same substituted files' stamps many times.
    let pending = this.stamps.get(path);
    if (!pending) {
      pending = stat(this.absolutePath(path)).then(stampOf, () => null);
      if (this.rememberStamps) this.stamps.set(path, pending);
    }
    return pending;
  }

  async isDirectory(path: string): Promise<boolean> {
    return stat(this.absolutePath(path)).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }
}

function fail(
  hash: string | null,
  stamp: Stamp | null,
  code: ReadFailure['code'],
  message: string,
  hint: string,
): ReadResult {
  return { ok: false, hash, stamp, failure: { code, message, hint } };
}

function stampOf(info: { size: number; mtimeMs: number; ctimeMs: number; ino: number }): Stamp {
  // ctime too, as git does: `touch -r` or `cp -p` can restore an mtime, nothing can set ctime.
  return `${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.ino}`;
}

/**
 * Hands out element ids that are unique within one rendered API reference and safe anywhere:
 * ASCII letters, digits, `-` and `_` only, so they work unescaped in URLs and CSS selectors.
 * Documents repeat operationIds and use paths such as `/{id}` or `/` alone, so every id goes
 * through here.
 */
export class IdAllocator {
  private readonly used = new Set<string>();
  /** Next suffix to try per base, so a thousand equal names do not cost quadratic time. */
  private readonly next = new Map<string, number>();

  /** `prefix` + a slug of `text` (or `fallback` when nothing of it survives), suffixed -2, -3… when taken. */
  allocate(prefix: string, text: string, fallback = 'item'): string {
    const base = prefix + (slug(text) || fallback);
    let id = base;
    let n = this.next.get(base) ?? 2;
    while (this.used.has(id)) id = `${base}-${n++}`;
    this.next.set(base, n);
    this.used.add(id);
    return id;
  }
}

export function slug(text: string): string {
  return text
    .slice(0, 200)
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 80)
    .replace(/-+$/, '');
}

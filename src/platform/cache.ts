/**
 * A bounded cache of computed values with single-flight loading: when many callers miss
 * the same key at once (everyone opening the same service page during an incident), the
 * loader runs once and all of them get its result. `clear()` drops everything, e.g. when
 * the catalog changes; a load that started before a clear is not stored after it.
 */
export class SingleFlightCache<V> {
  private readonly values = new Map<string, V>();
  private readonly inflight = new Map<string, Promise<V>>();
  private epoch = 0;
  /** How many times a loader actually ran: the origin's load under a stampede. */
  loads = 0;

  private bytes = 0;

  /**
   * @param maxEntries at most this many values are kept (least recently used go first)
   * @param budget optionally, a total size the values may not exceed, with the size of one
   *   value; a value larger than the whole budget is returned but not kept
   * @param options.keep decides whether a loaded value is kept; values it refuses are
   *   still shared with every caller waiting on the same load (e.g. 404 pages, which any
   *   stranger can ask for under endless keys and which must not push out real pages)
   * @param options.fresh decides whether a kept value may still be answered; one it refuses
   *   (e.g. an on-call answer read a minute ago) is loaded again, single-flight, and handed
   *   to the loader, which may fall back to it when the load fails
   */
  constructor(
    private readonly maxEntries: number,
    private readonly budget?: { maxBytes: number; sizeOf: (value: V) => number },
    private readonly options: { keep?: (value: V) => boolean; fresh?: (value: V) => boolean } = {},
  ) {}

  /** The cached value, if any and fresh, without loading: for fast paths that fall back to get(). */
  peek(key: string): V | undefined {
    const hit = this.values.get(key);
    if (hit === undefined || (this.options.fresh && !this.options.fresh(hit))) return undefined;
    this.values.delete(key);
    this.values.set(key, hit);
    return hit;
  }

  /** The load of `key` in flight, if any: what a caller of `get(key)` would wait for now. */
  pending(key: string): Promise<V> | undefined {
    return this.inflight.get(key);
  }

  /**
   * The value of `key`, loaded once however many ask at once; `load` gets the stale value it
   * replaces, if any. `alsoUnder` names the key the value has once loaded, when loading is
   * what settles it (a page's key may depend on what its render read): it is kept under
   * that key instead, so the next ask finds it and the byte budget holds it once — `key`
   * is asked again only once what the load learned is forgotten, and the cache with it
   * (undefined: under `key`).
   */
  async get(key: string, load: (stale: V | undefined) => Promise<V>, alsoUnder?: () => string | undefined): Promise<V> {
    // peek() refreshes recency: Map iteration order is insertion order, so it re-inserts.
    const hit = this.peek(key);
    if (hit !== undefined) return hit;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const epoch = this.epoch;
    this.loads++;
    // After a clear(), a newer load of the same key may be in flight: only remove our own entry.
    const settle = () => {
      if (this.inflight.get(key) === promise) this.inflight.delete(key);
    };
    const promise: Promise<V> = load(this.values.get(key)).then(
      (value) => {
        settle();
        if (epoch === this.epoch) this.store(alsoUnder?.() ?? key, value);
        return value;
      },
      (err: unknown) => {
        settle();
        throw err;
      },
    );
    this.inflight.set(key, promise);
    return promise;
  }

  clear(): void {
    this.epoch++;
    this.values.clear();
    this.inflight.clear();
    this.bytes = 0;
  }

  /** The total size of the kept values, when the cache has a byte budget. */
  get sizeInBytes(): number {
    return this.bytes;
  }

  get size(): number {
    return this.values.size;
  }

  private store(key: string, value: V): void {
    if (this.options.keep && !this.options.keep(value)) return;
    const size = this.budget?.sizeOf(value) ?? 0;
    if (this.budget && size > this.budget.maxBytes) return;
    this.remove(key);
    this.values.set(key, value);
    this.bytes += size;
    while (this.values.size > this.maxEntries || (this.budget && this.bytes > this.budget.maxBytes)) {
      const oldest = this.values.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  private remove(key: string): void {
    const old = this.values.get(key);
    if (old === undefined) return;
    this.values.delete(key);
    this.bytes -= this.budget?.sizeOf(old) ?? 0;
  }
}

/**
 * `text` as UTF-8 in a Buffer of its own. `Buffer.from` puts texts under 4 KiB in slices of
 * a shared 8 KiB slab, which stays allocated while any slice of it lives: a cache holding
 * small bodies (API answers of 1-2 KiB) and dropping them in LRU order can keep several
 * times the bytes it counts. A cached body owns its memory, so the budget is what it holds.
 */
export function cachedBody(text: string): Buffer {
  const body = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  body.write(text);
  return body;
}

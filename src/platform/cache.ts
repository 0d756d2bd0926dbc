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

  constructor(private readonly maxEntries: number) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.values.get(key);
    if (hit !== undefined) {
      // Refresh recency: Map iteration order is insertion order, so re-insert.
      this.values.delete(key);
      this.values.set(key, hit);
      return hit;
    }
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const epoch = this.epoch;
    this.loads++;
    // After a clear(), a newer load of the same key may be in flight: only remove our own entry.
    const settle = () => {
      if (this.inflight.get(key) === promise) this.inflight.delete(key);
    };
    const promise: Promise<V> = load().then(
      (value) => {
        settle();
        if (epoch === this.epoch) this.store(key, value);
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
  }

  get size(): number {
    return this.values.size;
  }

  private store(key: string, value: V): void {
    this.values.set(key, value);
    if (this.values.size > this.maxEntries) {
      const oldest = this.values.keys().next().value;
      if (oldest !== undefined) this.values.delete(oldest);
    }
  }
}

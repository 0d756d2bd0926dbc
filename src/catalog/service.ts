import { SingleFlightCache } from '../platform/cache.ts';
import type { Logger } from '../platform/log.ts';
import type { CatalogStore } from './store.ts';

/**
 * The catalog as the rest of Atrium reads it: the store behind a response cache that is
 * dropped whenever the catalog's generation moves (a sync here, or on another replica).
 */
export class CatalogService {
  readonly cache: SingleFlightCache<string>;
  private generation = -1;

  constructor(
    readonly store: CatalogStore,
    options: { cacheEntries?: number } = {},
  ) {
    this.cache = new SingleFlightCache<string>(options.cacheEntries ?? 20_000);
  }

  /** A JSON body computed once per catalog generation and key. */
  cachedJson(key: string, load: () => Promise<unknown>): Promise<string> {
    return this.cache.get(key, async () => JSON.stringify(await load()));
  }

  invalidate(): void {
    this.cache.clear();
  }

  /** Checks the stored generation and drops the cache if another process changed it. */
  async refreshGeneration(): Promise<void> {
    const generation = await this.store.generation();
    if (generation !== this.generation) {
      this.generation = generation;
      this.invalidate();
    }
  }

  /** Polls the generation so replicas that do not sync themselves still see changes. */
  watchGeneration(intervalMs: number, logger: Logger): () => void {
    const timer = setInterval(() => {
      this.refreshGeneration().catch((err: unknown) => logger.warn({ component: 'catalog', err }, 'could not read the catalog generation'));
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}

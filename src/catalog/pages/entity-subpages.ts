import type { Html } from '../../web/html.ts';
import type { PageDependency } from '../../web/section.ts';
import type { Site } from '../../web/site.ts';
import type { CatalogReader } from '../reader.ts';

/**
 * A capability's page under an entity's own, `catalog/<namespace>/<kind>/<name>/<segment>/`
 * (a timeline, delivery metrics). The portal routes to it and keys its cache by the query
 * parameters it reads and by what it `varies` with. `render` answers undefined for a 404,
 * which is also its answer when its source is absent (a static export has no change data).
 */
export interface EntitySubpage<Sources> {
  readonly segment: string;
  /** The query parameters it reads, in a fixed order: anything else in a query string is ignored (no new cache entry). */
  readonly parameters: readonly string[];
  readonly varies?: readonly PageDependency[];
  // Method syntax, as SectionProvider's: a subpage reading some sources fits a list of subpages reading any.
  render(
    sources: Sources,
    reader: CatalogReader,
    key: string,
    search: URLSearchParams,
    site: Site,
  ): Promise<Html | undefined>;
}

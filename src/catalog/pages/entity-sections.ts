import type { HtmlValue } from '../../web/html.ts';
import { type SectionProvider, sectionsFor } from '../../web/section.ts';
import type { Site } from '../../web/site.ts';
import { knownKind } from '../kinds.ts';
import type { CatalogReader } from '../reader.ts';
import type { EntityPageData } from './entity-data.ts';

/**
 * What an entity-page section is about: the entity's key, its kind as the catalog spells
 * it, its page's data, and the catalog the page was read from (live and in a static
 * export alike, for a section that shows other entities, e.g. the owner's rotations).
 */
export interface EntitySubject {
  key: string;
  kind: string;
  page: EntityPageData;
  catalog: CatalogReader;
}

/**
 * A capability's card on the entity page of some kinds (a team's page is the page of a
 * Group). `lead` cards come after "When it breaks" and before "About": what is happening
 * now. `body` cards come after the kind's own cards and before "Problems".
 */
export interface EntitySection<Sources, Data = unknown> extends SectionProvider<EntitySubject, Sources, Data> {
  readonly kinds: readonly string[];
  readonly slot: 'lead' | 'body';
}

export interface ProvidedSections {
  lead: HtmlValue[];
  body: HtmlValue[];
}

/** The provided cards of one entity page, by slot. */
export async function entitySections<Sources>(
  providers: readonly EntitySection<Sources>[],
  sources: Sources,
  key: string,
  page: EntityPageData,
  site: Site,
  catalog: CatalogReader,
): Promise<ProvidedSections> {
  const kind = knownKind(page.detail.entity.kind) ?? page.detail.entity.kind;
  const subject = { key, kind, page, catalog };
  const here = providers.filter((p) => p.kinds.includes(kind));
  const [lead, body] = await Promise.all(
    (['lead', 'body'] as const).map((slot) =>
      sectionsFor(
        here.filter((p) => p.slot === slot),
        sources,
        subject,
        site,
      ),
    ),
  );
  return { lead: lead ?? [], body: body ?? [] };
}

import { knownKind } from '../../catalog/kinds.ts';
import { entityTitle, keyOfRef } from '../../catalog/model.ts';
import { ENVIRONMENT_NAME } from '../../platform/environment-name.ts';
import type { CatalogReader } from '../../catalog/reader.ts';
import { emptyNote } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { entityPath, siteUrl, type Site } from '../../web/site.ts';
import type { LiveEnvironment } from '../live.ts';
import { EVENT_TYPES, type EventType } from '../model.ts';
import { FEED_HOPS, type FeedEvent, type FeedHops } from '../feed-scope.ts';
import type { ChangeService } from '../service.ts';
import { liveTable, timelineList } from './timeline-view.ts';

/** What the portal reads of change events (live only: a static export has none). */
export type ChangeReader = Pick<ChangeService, 'timeline' | 'live' | 'organisationFeed'>;

export const TIMELINE_PAGE = 50;
/** A service page's timeline reaches one hop into what it depends on unless asked otherwise. */
export const DEFAULT_HOPS: FeedHops = 1;
const HOPS_NAMES: Record<FeedHops, string> = {
  0: 'This service only',
  1: 'and what it depends on directly',
  2: 'and two hops into what it depends on',
};
const TYPE_NAMES: Record<EventType, string> = {
  deployment: 'Deployments',
  'traffic-switch': 'Traffic switches',
  change: 'Other changes',
};
/** Kinds whose page shows changes, and whose timeline spans several services. */
export const KINDS_WITH_CHANGES = new Set(['Component', 'Resource', 'System', 'Domain', 'Group', 'User', 'Flag']);
export const KINDS_WITH_SCOPE = new Set(['System', 'Domain', 'Group', 'User']);
/** Kinds whose timeline can reach into what they depend on. */
const WITH_DEPENDENCIES = new Set(['Component', 'Resource']);

export interface ChangesPageData {
  ref: string;
  title: string;
  kind: string;
  type?: EventType;
  environment?: string;
  /** How far into what it depends on (services and resources; ignored by other kinds). */
  hops: FeedHops;
  /** Where this page starts (the `before` of the link that led here). */
  before?: { at: string; id: number };
  events: FeedEvent[];
  live: LiveEnvironment[];
  /** The cursor of the next (older) page. */
  older?: string;
}

/** `before` as the page links write it: `<ISO time>~<id>`. */
export function parseBefore(text: string | null): { at: string; id: number } | undefined | null {
  if (text === null) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)~(\d{1,15})$/.exec(text);
  return match ? { at: match[1] as string, id: Number(match[2]) } : null;
}

/** The full timeline page of an entity, filtered by type and environment; undefined when there is no such entity or the query is malformed. */
export async function loadChangesPage(
  store: CatalogReader,
  changes: ChangeReader,
  key: string,
  search: URLSearchParams,
): Promise<ChangesPageData | undefined> {
  const detail = await store.getEntity(key);
  if (!detail) return undefined;
  const kind = knownKind(detail.entity.kind) ?? detail.entity.kind;
  const typeParam = search.get('type');
  const type =
    typeParam === null || typeParam === ''
      ? undefined
      : (EVENT_TYPES as readonly string[]).includes(typeParam)
        ? (typeParam as EventType)
        : null;
  const environmentParam = search.get('environment') ?? '';
  const environment =
    environmentParam === '' ? undefined : ENVIRONMENT_NAME.test(environmentParam) ? environmentParam : null;
  const before = parseBefore(search.get('before'));
  const hopsParam = search.get('hops') ?? '';
  const hops = hopsParam === '' ? DEFAULT_HOPS : FEED_HOPS.find((h) => String(h) === hopsParam);
  if (type === null || environment === null || before === null || hops === undefined) return undefined;
  const events = await changes.timeline(
    keyOfRef(detail.ref),
    { types: type ? [type] : undefined, environments: environment ? [environment] : undefined },
    TIMELINE_PAGE + 1,
    before,
    hops,
  );
  const page = events.slice(0, TIMELINE_PAGE);
  const last = page.at(-1);
  return {
    ref: detail.ref,
    title: entityTitle(detail.entity) ?? detail.entity.metadata.name,
    kind,
    type,
    environment,
    hops,
    before,
    events: page,
    live: kind === 'Component' || kind === 'Resource' ? await changes.live(keyOfRef(detail.ref)) : [],
    older: events.length > TIMELINE_PAGE && last ? `${last.at}~${last.id}` : undefined,
  };
}

export function changesView(site: Site, data: ChangesPageData): Html {
  const base = siteUrl(site, entityPath(data.ref));
  const query = (over: { before?: string }) => {
    const params = new URLSearchParams();
    if (data.type) params.set('type', data.type);
    if (data.environment) params.set('environment', data.environment);
    if (data.hops !== DEFAULT_HOPS && WITH_DEPENDENCIES.has(data.kind)) params.set('hops', String(data.hops));
    if (over.before) params.set('before', over.before);
    return params.size ? `?${params}` : '';
  };
  const filter = html`<form class="filter-form" method="get" action="${base}changes/" role="search" aria-label="Filter the timeline">
<label for="changes-type">Type</label>
<select id="changes-type" name="type"><option value="">Everything</option>${EVENT_TYPES.map((t) => html`<option value="${t}"${t === data.type ? html` selected` : ''}>${TYPE_NAMES[t]}</option>`)}</select>
<label for="changes-environment">Environment</label>
<input id="changes-environment" name="environment" value="${data.environment ?? ''}" placeholder="e.g. production" maxlength="63" pattern="[A-Za-z0-9][A-Za-z0-9._\\-]*">
${
  WITH_DEPENDENCIES.has(data.kind)
    ? html`<label for="changes-hops">Reach</label>
<select id="changes-hops" name="hops">${FEED_HOPS.map((h) => html`<option value="${String(h)}"${h === data.hops ? html` selected` : ''}>${h === 0 ? HOPS_NAMES[h] : `This ${data.kind === 'Resource' ? 'resource' : 'service'} ${HOPS_NAMES[h]}`}</option>`)}</select>
`
    : ''
}<button type="submit">Filter</button>
</form>`;
  const main = html`<h1>What changed: ${data.title}</h1>
<p class="lede">Deployments, traffic switches and other changes${KINDS_WITH_SCOPE.has(data.kind) ? ` of everything ${data.kind === 'Group' ? 'this team and its child teams own' : data.kind === 'User' ? 'this person owns' : `in this ${data.kind.toLowerCase()} and their flags`}` : WITH_DEPENDENCIES.has(data.kind) && data.hops > 0 ? `, with its flags and those of what it depends on ${data.hops === 1 ? 'directly (dependencies and the providers of the APIs it consumes)' : 'up to two hops away'}` : ''}, newest first; each says whose change it is.</p>
${data.live.length > 0 ? html`<section class="card" aria-labelledby="live"><h2 id="live">Live now</h2>${liveTable(data.live)}</section>` : ''}
<section class="card" aria-labelledby="timeline"><h2 id="timeline">Timeline</h2>${filter}
${data.events.length > 0 ? timelineList(site, data.events, { showService: KINDS_WITH_SCOPE.has(data.kind) }) : emptyNote(data.type || data.environment ? 'Nothing matches the filter.' : 'Nothing recorded yet.')}
<nav class="pager" aria-label="Timeline pages"><ul>${data.before ? html`<li><a href="${base}changes/${query({})}">Newest</a></li>` : ''}${data.older ? html`<li><a href="${base}changes/${query({ before: data.older })}" rel="next">Older</a></li>` : ''}</ul></nav>
</section>`;
  return layout({
    site,
    title: `What changed: ${data.title}`,
    section: 'catalog',
    crumbs: [
      { label: 'Catalog', href: siteUrl(site, 'catalog/') },
      { label: data.title, href: base },
      { label: 'What changed' },
    ],
    main,
  });
}

import {
  emptyNote,
  entityLink,
  kindBadge,
  lifecycleBadge,
  refKind,
  refName,
  section,
  tagList,
  timestamp,
  type EntityLabel,
} from '../../web/components.ts';
import { html, type Html, type HtmlValue } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { entityPath, siteUrl, type Site } from '../../web/site.ts';
import { knownKind, registeredKinds } from '../kinds.ts';
import { coreKind, entityTitle, isSafeLinkUrl, keyOfRef } from '../model.ts';
import type { OperationalLink } from '../operational-links.ts';
import type { RelationType } from '../relations.ts';
import { catalogUrl } from './catalog-query.ts';
import { problemList } from './problem-list.ts';
import { apiDefinitionSection } from './api-definition.ts';
import type { ProvidedSections } from './entity-sections.ts';
import {
  DEPENDENTS_LIST,
  OWNED_SHOWN,
  profileOf,
  relatedRefs,
  type EntityPageData,
  type OwnerContact,
} from './entity-data.ts';
import { breakdownOf, breakdownView, formatCount, relationListUrl } from './relation-breakdown.ts';
import { RELATION_SHOWN } from '../relation-summary.ts';

/** Values of each count (kind, owner, system) a summarised relation list shows on the entity page. */
const BREAKDOWN_SHOWN = 5;

/**
 * One page per entity, shaped by kind. What an engineer needs in an incident comes first:
 * runbooks, on-call and the owning team, then what is happening now (the capabilities'
 * `lead` sections, e.g. what changed); then what the entity is made of and talks to (with
 * the registered kinds' relation cards, kinds.ts), and the capabilities' `body` sections
 * (e.g. a flag's definition).
 */
export function entityView(
  site: Site,
  data: EntityPageData,
  provided: ProvidedSections = { lead: [], body: [] },
): Html {
  const { detail } = data;
  const { entity } = detail;
  const kind = knownKind(entity.kind) ?? entity.kind;
  const title = entityTitle(entity) ?? entity.metadata.name;
  const spec = entity.spec ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const base = siteUrl(site, entityPath(detail.ref));

  const header = html`<header class="entity-header">
<p class="eyebrow">${kindBadge(kind)}${str(spec.type) ? html` <span class="muted">${str(spec.type)}</span>` : ''} ${lifecycleBadge(str(spec.lifecycle))}${detail.stale ? html` <span class="badge badge-error">stale: the descriptor is invalid, this is its last good version</span>` : ''}</p>
<h1>${title}</h1>
${entity.metadata.description ? html`<p class="lede">${entity.metadata.description}</p>` : ''}
${tagList(entity.metadata.tags ?? [], (tag) => catalogUrl(site, { filters: { tag }, sort: 'name', page: 1 }, 'tag'))}
<p class="muted small"><code>${detail.ref}</code></p>
</header>`;

  const sections: HtmlValue[] = [];
  if (kind === 'Component' || kind === 'Resource' || kind === 'System' || kind === 'API')
    sections.push(incidentSection(site, data, base));
  sections.push(...provided.lead);
  sections.push(aboutSection(site, data));
  switch (kind) {
    case 'Component':
      sections.push(
        relationSection(site, data, 'apis', 'APIs', [
          ['Provides', 'providesApi'],
          ['Consumes', 'consumesApi'],
        ]),
      );
      // The registered kinds' cards on a component's page (e.g. its feature flags).
      sections.push(...kindCards(site, data, 'Component'));
      sections.push(
        relationSection(
          site,
          data,
          'dependencies',
          'Dependencies',
          [
            ['Depends on', 'dependsOn'],
            ['Depended on by', DEPENDENTS_LIST],
            ['Subcomponents', 'hasPart'],
          ],
          base,
        ),
      );
      break;
    case 'Resource':
      sections.push(
        relationSection(
          site,
          data,
          'dependencies',
          'Dependencies',
          [
            ['Depended on by', DEPENDENTS_LIST],
            ['Depends on', 'dependsOn'],
          ],
          base,
        ),
      );
      break;
    case 'API':
      sections.push(
        relationSection(
          site,
          data,
          'usage',
          'Providers and consumers',
          [
            ['Provided by', 'apiProvidedBy'],
            ['Consumed by', 'apiConsumedBy'],
          ],
          base,
        ),
      );
      sections.push(apiDefinitionSection(str(spec.type) ?? 'unknown', str(spec.definition) ?? ''));
      break;
    case 'System':
    case 'Domain':
      sections.push(
        relationSection(site, data, 'parts', kind === 'System' ? 'Parts of this system' : 'Parts of this domain', [
          ['Has part', 'hasPart'],
        ]),
      );
      break;
    case 'Group':
      sections.push(
        relationSection(site, data, 'people', 'Team', [
          ['Members', 'hasMember'],
          ['Parent', 'childOf'],
          ['Child groups', 'parentOf'],
        ]),
      );
      sections.push(ownedSection(site, data));
      break;
    case 'User':
      sections.push(relationSection(site, data, 'groups', 'Groups', [['Member of', 'memberOf']]));
      sections.push(ownedSection(site, data));
      break;
    case 'Location':
      sections.push(
        section(
          'targets',
          'Targets',
          list(
            [...(Array.isArray(spec.targets) ? spec.targets : []), ...(str(spec.target) ? [spec.target] : [])].map(
              (t) => html`<code>${String(t)}</code>`,
            ),
          ),
        ),
      );
      break;
    default:
      sections.push(...kindCards(site, data, kind));
  }
  sections.push(...provided.body);
  sections.push(
    section(
      'problems',
      'Problems',
      detail.problems.length
        ? problemList(site, detail.problems)
        : emptyNote('No problems: the descriptor is valid and every reference resolves.'),
    ),
  );

  return layout({
    site,
    title,
    description: entity.metadata.description,
    section: 'catalog',
    crumbs: [
      { label: 'Catalog', href: siteUrl(site, 'catalog/') },
      { label: kind, href: catalogUrl(site, { filters: { kind: kind.toLowerCase() }, sort: 'name', page: 1 }, 'kind') },
      { label: title },
    ],
    main: html`${header}<div class="entity-grid">${sections}</div>`,
  });
}

function list(items: HtmlValue[], empty = 'None recorded.'): Html {
  return items.length ? html`<ul class="plain">${items.map((i) => html`<li>${i}</li>`)}</ul>` : emptyNote(empty);
}

function label(data: EntityPageData, ref: string): EntityLabel {
  const key = keyOfRef(ref);
  const summary = data.related.get(key);
  return summary ? { ref: summary.ref, title: summary.title, kind: summary.kind } : { ref };
}

function opLink(base: string, link: OperationalLink, fileSuffix: string): Html {
  if (link.url) return html`<a href="${link.url}" rel="noopener noreferrer">${link.title}</a>`;
  if (link.path !== undefined)
    return html`<a href="${base}${fileSuffix}">${link.title}</a> <span class="muted small">(${link.path || 'catalog root'})</span>`;
  return html`<span>${link.title}</span>`;
}

function incidentSection(site: Site, data: EntityPageData, base: string): Html {
  const { operations: ops, owner } = data;
  const oncall = ops.oncall.length ? ops.oncall : (owner?.oncall ?? []);
  return html`<section class="card card-incident" aria-labelledby="incident"><h2 id="incident">When it breaks</h2>
<dl class="facts">
<dt>Runbooks</dt><dd>${ops.runbooks.length ? list(ops.runbooks.map((r) => opLink(base, r, 'runbook/'))) : noRunbook(data)}</dd>
<dt>On call</dt><dd>${oncall.length ? list(oncall.map((o) => opLink(base, o, ''))) : html`<span class="muted">No rotation recorded${owner ? ' for the service or its owner' : ''}.</span>`}</dd>
<dt>Owner</dt><dd>${owner ? ownerBlock(site, owner) : ownerMissing(site, data)}</dd>
${ops.dashboards.length ? html`<dt>Dashboards</dt><dd>${list(ops.dashboards.map((d) => opLink(base, d, '')))}</dd>` : ''}
${ops.chat.length ? html`<dt>Chat</dt><dd>${list(ops.chat.map((d) => opLink(base, d, '')))}</dd>` : ''}
</dl></section>`;
}

/** A missing runbook is a warning for a component (it is what gets paged), a note for anything else. */
function noRunbook(data: EntityPageData): Html {
  const hint = html`Add an <code>atrium.dev/runbook</code> annotation or a link of type <code>runbook</code>.`;
  return coreKind(data.detail.entity.kind) === 'Component'
    ? html`<span class="badge badge-warn">No runbook</span> <span class="muted">${hint}</span>`
    : html`<span class="muted">None. ${hint}</span>`;
}

function ownerBlock(site: Site, owner: OwnerContact): Html {
  return html`${entityLink(site, { ref: owner.ref, title: owner.title })}
${owner.email ? html` · <a href="${`mailto:${owner.email}`}">${owner.email}</a>` : ''}
${owner.links.length ? html` · ${owner.links.map((l, i) => html`${i ? ', ' : ''}<a href="${l.url}" rel="noopener noreferrer">${l.title}</a>`)}` : ''}`;
}

function ownerMissing(site: Site, data: EntityPageData): Html {
  const ref = relatedRefs(data.detail.relations, 'ownedBy')[0];
  return ref ? entityLink(site, { ref }) : html`<span class="muted">No owner.</span>`;
}

function aboutSection(site: Site, data: EntityPageData): Html {
  const { detail, operations } = data;
  const { entity } = detail;
  const rows: [string, HtmlValue][] = [];
  const owners = relatedRefs(detail.relations, 'ownedBy');
  if (owners.length) rows.push(['Owner', owners.map((r) => entityLink(site, label(data, r)))]);
  const parents = relatedRefs(detail.relations, 'partOf');
  if (parents.length)
    rows.push([
      'Part of',
      parents.map(
        (r, i) =>
          html`${i ? ', ' : ''}${entityLink(site, label(data, r))} <span class="muted small">${refKind(r)}</span>`,
      ),
    ]);
  if (data.domain) rows.push(['Domain', entityLink(site, { ref: data.domain })]);
  const { email } = profileOf(entity);
  if (email && isSafeLinkUrl(`mailto:${email}`))
    rows.push(['Email', html`<a href="${`mailto:${email}`}">${email}</a>`]);
  const links = (entity.metadata.links ?? []).filter((l) => isSafeLinkUrl(l.url));
  if (links.length)
    rows.push([
      'Links',
      list(
        links.map(
          (l) =>
            html`<a href="${l.url}" rel="noopener noreferrer">${l.title ?? l.url}</a>${l.type ? html` <span class="muted small">${l.type}</span>` : ''}`,
        ),
      ),
    ]);
  if (operations.docs.some((d) => d.path !== undefined))
    rows.push(['Docs', html`<a href="${siteUrl(site, entityPath(detail.ref))}docs/">Read the documentation</a>`]);
  rows.push(['Source', html`<code>${detail.source.file}:${detail.source.line}</code>`]);
  rows.push(['Changed', timestamp(detail.updatedAt)]);
  return html`<section class="card" aria-labelledby="about"><h2 id="about">About</h2><dl class="facts">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl></section>`;
}

function relationSection(
  site: Site,
  data: EntityPageData,
  id: string,
  title: string,
  groups: readonly (readonly [string, RelationType])[],
  graphBase?: string,
): Html {
  const item = (r: string, extra: HtmlValue = '') => {
    const summary = data.related.get(keyOfRef(r));
    return html`${entityLink(site, label(data, r))} <span class="muted small">${refKind(r)}${summary?.lifecycle ? ` · ${summary.lifecycle}` : ''}${extra}</span>`;
  };
  const body = groups.map(([heading, group]) => {
    // Dependents through dependsOn and the consumers of its APIs (graph.ts directDependents, as the graph page counts them).
    const entries =
      group === DEPENDENTS_LIST
        ? (data.dependents ?? []).map((d) => ({ ref: d.ref, apis: d.apis }))
        : relatedRefs(data.detail.relations, group).map((ref) => ({ ref, apis: [] as string[] }));
    const items = entries.slice(0, RELATION_SHOWN).map(({ ref, apis }) =>
      item(
        ref,
        apis.map((api, i) => html`${i === 0 ? ' · consumes ' : ', '}${entityLink(site, label(data, api))}`),
      ),
    );
    if (entries.length <= RELATION_SHOWN)
      return html`<h3>${heading} <span class="n">${items.length}</span></h3>${list(items)}`;
    // A hub's thousands: exact counts and the first few here, every one on a paged list of its own.
    const refs = entries.map((e) => e.ref);
    return html`<h3>${heading} <span class="n">${formatCount(entries.length)}</span></h3>
${breakdownView(site, breakdownOf(refs, data.related), BREAKDOWN_SHOWN)}
<p class="muted small">The first ${RELATION_SHOWN}:</p>${list(items)}
<p><a href="${relationListUrl(site, data.detail.ref, group)}">${heading}: all ${formatCount(entries.length)}</a></p>`;
  });
  return html`<section class="card" aria-labelledby="${id}"><h2 id="${id}">${title}</h2>${body}
${graphBase ? html`<p><a href="${graphBase}graph/">Dependency graph and blast radius</a></p>` : ''}</section>`;
}

/** The relation cards the registered kinds put on the page of `page` (kinds.ts), in the order registered. */
function kindCards(site: Site, data: EntityPageData, page: string): Html[] {
  return registeredKinds()
    .flatMap((d) => d.cards ?? [])
    .filter(
      (card) =>
        card.page === page &&
        (!card.onlyWhenRelated || card.groups.some(([, type]) => relatedRefs(data.detail.relations, type).length > 0)),
    )
    .map((card) => relationSection(site, data, card.id, card.title, card.groups));
}

function ownedSection(site: Site, data: EntityPageData): Html {
  const owned = data.owned ?? { items: [], total: 0 };
  const more = owned.total > owned.items.length;
  return html`<section class="card card-wide" aria-labelledby="owned"><h2 id="owned">Owns <span class="n">${owned.total}</span></h2>
${owned.items.length ? html`<ul class="owned">${owned.items.map((e) => html`<li>${kindBadge(e.kind)} ${entityLink(site, { ref: e.ref, title: e.title })} ${lifecycleBadge(e.lifecycle)}</li>`)}</ul>` : emptyNote('Owns nothing in the catalog.')}
${more ? html`<p><a href="${catalogUrl(site, { filters: { owner: data.detail.ref.toLowerCase() }, sort: 'name', page: 1 }, 'owner')}">All ${owned.total} owned by ${refName(data.detail.ref)}</a> (showing the first ${OWNED_SHOWN})</p>` : ''}
${relatedRefs(data.detail.relations, 'ownerOf').length > RELATION_SHOWN ? html`<p><a href="${relationListUrl(site, data.detail.ref, 'ownerOf')}">Owns: counted by kind and system</a></p>` : ''}
</section>`;
}

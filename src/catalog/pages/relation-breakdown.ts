import { entityLink, refKind, refName } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { entityPath, siteUrl, type Site } from '../../web/site.ts';
import { keyOfRef } from '../model.ts';
import type { BrowseItem } from '../reader.ts';
import { relationBreakdown, topTallies, type RelationBreakdown, type Tally } from '../relation-summary.ts';

/** A number as people read it in a sentence (2,143). */
export const formatCount = (n: number): string => n.toLocaleString('en');

/** What a relation's members are counted by: their summaries (a member not in the catalog counts by its ref's kind, with no owner or system). */
export function breakdownOf(refs: readonly string[], summaries: ReadonlyMap<string, BrowseItem>): RelationBreakdown {
  return relationBreakdown(
    refs.map((ref) => {
      const summary = summaries.get(keyOfRef(ref));
      return summary
        ? { kind: summary.kind, owner: summary.owner, system: summary.system }
        : { kind: refKind(ref) || 'unknown', owner: null, system: null };
    }),
  );
}

/** The page of one of an entity's relation lists (`relations/<name>/`, `…/page/<n>/`). */
export function relationListPath(ref: string, name: string, page = 1): string {
  return `${entityPath(ref)}relations/${encodeURIComponent(name)}/${page > 1 ? `page/${page}/` : ''}`;
}

export const relationListUrl = (site: Site, ref: string, name: string, page = 1): string =>
  siteUrl(site, relationListPath(ref, name, page));

/**
 * The exact counts of a relation list by kind, owner and system: the `limit` largest of each,
 * then what the others add up to, so every line's numbers sum to the total.
 */
export function breakdownView(site: Site, breakdown: RelationBreakdown, limit: number): Html {
  const row = (label: string, tallies: Tally[], other: string, none: string, link: boolean) => {
    const { shown, rest } = topTallies(tallies, limit);
    const items = shown.map(
      (t) =>
        html`<li>${t.value === null ? html`<span class="muted">${none}</span>` : link ? entityLink(site, { ref: t.value, title: refName(t.value) }) : t.value} <span class="n">${formatCount(t.count)}</span></li>`,
    );
    if (rest.values > 0)
      items.push(
        html`<li><span class="muted">${formatCount(rest.values)} other ${rest.values === 1 ? other : `${other}s`}</span> <span class="n">${formatCount(rest.count)}</span></li>`,
      );
    return html`<dt>${label}</dt><dd><ul class="tally">${items}</ul></dd>`;
  };
  return html`<dl class="facts breakdown">
${row('By kind', breakdown.byKind, 'kind', 'unknown', false)}
${row('By owner', breakdown.byOwner, 'owner', 'no owner', true)}
${row('By system', breakdown.bySystem, 'system', 'no system', true)}
</dl>`;
}

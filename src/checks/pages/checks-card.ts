import { entityLink, refName, section, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import type { Site } from '../../web/site.ts';
import { catalogUrl } from '../../catalog/pages/catalog-query.ts';
import { formatCount } from '../../catalog/pages/relation-breakdown.ts';
import type { CheckStatusView } from '../model.ts';
import { checkBadge } from './check-badge.ts';

/** "3 checks: 1 failing, 1 degraded.": what a responder reads first. */
export function checksSummary(checks: readonly CheckStatusView[]): string {
  const count = (s: CheckStatusView['status']) => checks.filter((c) => c.status === s).length;
  const said = (
    [
      [count('failing'), 'failing'],
      [count('degraded'), 'degraded'],
      [count('pending'), 'without runs yet'],
    ] as const
  )
    .filter(([n]) => n > 0)
    .map(([n, word]) => `${n} ${word}`);
  const total = `${checks.length} check${checks.length === 1 ? '' : 's'}`;
  return said.length === 0 ? `${total}, all up.` : `${total}: ${said.join(', ')}.`;
}

/** The latest failure among a check's locations, with where and why. */
function lastFailure(check: CheckStatusView): Html | '' {
  const latest = check.locations
    .filter((l) => l.lastFailureAt !== null)
    .sort((a, b) => ((a.lastFailureAt ?? '') < (b.lastFailureAt ?? '') ? 1 : -1))[0];
  if (!latest?.lastFailureAt) return '';
  return html`<p class="check-failure small">Last failure ${timestamp(latest.lastFailureAt)} at ${latest.location}: <span class="check-reason">${latest.lastFailureReason ?? 'failed'}</span></p>`;
}

function checkItem(site: Site, check: CheckStatusView): Html {
  const maintenance = check.inMaintenance ? html` <span class="badge badge-quiet">maintenance</span>` : '';
  const locations = check.locations.map(
    (l) => html`<li><span class="check-location">${l.location}</span> ${checkBadge(l.status)}</li>`,
  );
  return html`<li class="check-item"><p class="check-head">${entityLink(site, { ref: check.key, title: check.title ?? refName(check.key) })} ${checkBadge(check.status)}${maintenance} <span class="muted small">${check.type} every ${check.interval}</span></p><ul class="check-locations" aria-label="Locations of ${check.name}">${locations}</ul>${lastFailure(check)}</li>`;
}

/** Checks the card lists one by one; a service with more (a fleet of endpoints) gets the rest counted. */
export const CARD_CHECKS = 25;

/** Worst first: failing, degraded, without runs, then up; by key within each. */
const RANK: Record<CheckStatusView['status'], number> = { failing: 0, degraded: 1, pending: 2, passing: 3 };

/**
 * The service page's card of synthetic checks, after Health: each check with its status,
 * up/degraded/failing at each location, and its last failure with the reason — the
 * CARD_CHECKS worst of them, the rest counted (rendering ten thousand checks into every
 * service page would make the page unreadable and its render the slowest of the portal).
 */
export function checksCard(site: Site, checks: readonly CheckStatusView[]): Html {
  const shown = [...checks]
    .sort((a, b) => RANK[a.status] - RANK[b.status] || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, CARD_CHECKS);
  const rest = checks.length - shown.length;
  const more =
    rest > 0
      ? html`<p class="small">The ${String(shown.length)} above first (worst first); ${formatCount(rest)} more ${rest === 1 ? 'is' : 'are'} not shown. <a href="${catalogUrl(site, { filters: { kind: 'check' }, sort: 'name', page: 1 })}">All checks</a></p>`
      : '';
  return section(
    'checks',
    'Checks',
    html`<p class="checks-summary">${checksSummary(checks)}</p><ul class="check-list">${shown.map((c) => checkItem(site, c))}</ul>${more}`,
  );
}

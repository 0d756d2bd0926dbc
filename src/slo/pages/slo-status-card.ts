import { entityLink, refName, section, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import type { Site } from '../../web/site.ts';
import { type BudgetPoint, BURN_WINDOWS, type SloStatus } from '../model.ts';
import { budgetChart } from './budget-chart.ts';
import { healthBadge, sloFacts } from './health-card.ts';
import { burnText, healthOf, windowText } from './slo-text.ts';

/**
 * The SLO's own page, first card: its state in words, the Health card's facts, the burn
 * rate over every window the alerts read, when the budget runs out at this pace, and the
 * budget-burn chart over the window.
 */
export function sloStatusCard(
  site: Site,
  status: SloStatus,
  history: readonly BudgetPoint[],
  now: number | undefined,
): Html {
  const current = status.dataState === 'ok' && healthOf(status, now) !== 'stale';
  const burns = html`<div class="table-scroll" tabindex="0" role="region" aria-label="Burn rate by window"><table class="slo-burns"><caption>Burn rate by window (1× spends the budget exactly over ${windowText(status.window)})</caption><thead><tr>${BURN_WINDOWS.map((w) => html`<th scope="col">${w}</th>`)}</tr></thead><tbody><tr>${BURN_WINDOWS.map((w) => html`<td>${current ? burnText(status.burnRates[w]) : '—'}</td>`)}</tr></tbody></table></div>`;
  const forecast =
    current && status.exhaustsAt
      ? html`<p>At the last hour's burn, the budget runs out ${timestamp(status.exhaustsAt)}.</p>`
      : '';
  return section(
    'slo-status',
    'Status',
    html`<p class="slo-head">${healthBadge(status, now)}</p>
<p class="muted small">Service ${entityLink(site, { ref: status.service, title: refName(status.service) })} · indicator: ${status.indicator}${status.evaluatedAt ? html` · evaluated ${timestamp(status.evaluatedAt)}` : ''}</p>
${sloFacts(status, now)}${forecast}${burns}
${budgetChart(`budget-${status.name}`, `Error budget left over ${windowText(status.window)}`, history)}`,
  );
}

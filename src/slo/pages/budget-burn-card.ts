import { entityLink, refName, section } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import type { Site } from '../../web/site.ts';
import type { SloStatus } from '../model.ts';
import { budgetMeter, CARD_BURN_WINDOWS, healthBadge } from './health-card.ts';
import { burnText, healthOf, worstFirst } from './slo-text.ts';

/** A service and the SLO of it that is worst off, with how many it has. */
export interface ServiceBurn {
  service: string;
  worst: SloStatus;
  slos: number;
}

/** Each service once, by its worst SLO, worst service first. */
export function burnByService(statuses: readonly SloStatus[]): ServiceBurn[] {
  const byService = new Map<string, SloStatus[]>();
  for (const s of statuses) byService.set(s.service, [...(byService.get(s.service) ?? []), s]);
  return [...byService.entries()]
    .map(([service, slos]) => ({ service, worst: [...slos].sort(worstFirst)[0] as SloStatus, slos: slos.length }))
    .sort((a, b) => worstFirst(a.worst, b.worst));
}

/**
 * Error-budget burn per service, worst first: the team page's and the delivery page's
 * card (deployment frequency and budget burn side by side). A service whose data is not
 * current shows its state, not numbers.
 */
export function budgetBurnCard(site: Site, statuses: readonly SloStatus[], now: number | undefined): Html {
  const rows = burnByService(statuses).map(({ service, worst, slos }) => {
    const current = worst.dataState === 'ok' && healthOf(worst, now) !== 'stale';
    const numbers = current
      ? html`<td>${budgetMeter(worst.budgetRemaining, `Error budget left of ${worst.name}`)}</td>${CARD_BURN_WINDOWS.map((w) => html`<td>${burnText(worst.burnRates[w])}</td>`)}`
      : html`<td colspan="${CARD_BURN_WINDOWS.length + 1}">—</td>`;
    return html`<tr><th scope="row">${entityLink(site, { ref: service, title: refName(service) })}${slos > 1 ? html` <span class="muted small">(${slos} SLOs)</span>` : ''}</th><td>${entityLink(site, { ref: worst.key, title: refName(worst.key) })}</td><td>${healthBadge(worst, now)}</td>${numbers}</tr>`;
  });
  return section(
    'budget-burn',
    'Error-budget burn',
    html`<div class="table-scroll" tabindex="0" role="region" aria-label="Error-budget burn per service"><table><caption class="visually-hidden">Error-budget burn per service, worst first, by each service's worst SLO</caption>
<thead><tr><th scope="col">Service</th><th scope="col">Worst SLO</th><th scope="col">State</th><th scope="col">Budget</th>${CARD_BURN_WINDOWS.map((w) => html`<th scope="col">Burn ${w}</th>`)}</tr></thead>
<tbody>${rows}</tbody></table></div>`,
  );
}

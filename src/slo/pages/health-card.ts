import { entityLink, refName, section, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import type { Site } from '../../web/site.ts';
import type { SloAlert, SloStatus } from '../model.ts';
import { budgetText, burnText, healthOf, type HealthWord, percentText, windowText } from './slo-text.ts';

/** The burn windows the Health card shows: fast (a page), medium (a page), slow (a ticket). */
export const CARD_BURN_WINDOWS = ['1h', '6h', '3d'] as const;

const HEALTH_BADGES: Record<Exclude<HealthWord, 'source-down' | 'stale'>, Html> = {
  firing: html`<span class="badge badge-error">page alert firing</span>`,
  burning: html`<span class="badge badge-warn">burning budget</span>`,
  ok: html`<span class="badge badge-ok">within objective</span>`,
  'no-data': html`<span class="badge badge-quiet">no data</span>`,
};

/** The state in words: the badge, and for a failing source or a stopped evaluation what is known of why. */
export function healthBadge(status: SloStatus, now: number | undefined): Html {
  const word = healthOf(status, now);
  if (word === 'source-down')
    return html`<span class="badge badge-error">source down</span>${status.detail ? html` <span class="slo-detail">${status.detail}</span>` : ''}`;
  if (word === 'stale')
    return html`<span class="badge badge-warn">stale</span> <span class="slo-detail">${status.evaluatedAt ? html`last evaluated ${timestamp(status.evaluatedAt)}` : 'never evaluated'}</span>`;
  const badge = HEALTH_BADGES[word];
  return word === 'no-data' && status.detail ? html`${badge} <span class="slo-detail">${status.detail}</span>` : badge;
}

/**
 * The budget left as a bar that is also a number: a `<meter>` (read as a value by screen
 * readers) beside the same value in words; an overspent budget shows an empty bar and says
 * by how much. Nothing is told by colour alone.
 */
export function budgetMeter(remaining: number | undefined, label: string): Html {
  const text = budgetText(remaining);
  if (text === undefined) return html`<span class="muted">unknown</span>`;
  // At the precision its text shows (0.1 %): a budget that moved by less shows the same bar.
  const value = Math.round(Math.min(1, Math.max(0, remaining as number)) * 1000) / 1000;
  return html`<span class="budget"><meter class="budget-meter" min="0" max="1" low="0.25" high="0.5" optimum="1" value="${String(value)}" aria-label="${label}" aria-valuetext="${text}"></meter> <span class="budget-text">${text}</span></span>`;
}

/** One alert: its severity as a word, since when (an absolute time the client adds "ago" to) and which windows burn. */
export function alertLine(alert: SloAlert): Html {
  const badge =
    alert.severity === 'page'
      ? html`<span class="badge badge-error">page</span>`
      : html`<span class="badge badge-warn">ticket</span>`;
  return html`${badge} ${alert.state} since ${timestamp(alert.since)} <span class="muted small">(burn above ${alert.factor}× over ${alert.long} and ${alert.short})</span>`;
}

/** Objective, SLI, budget, burns and firing alerts of one SLO; numbers only while the data is current. */
export function sloFacts(status: SloStatus, now: number | undefined): Html {
  const current = status.dataState === 'ok' && healthOf(status, now) !== 'stale';
  const firing = status.alerts.filter((a) => a.state === 'firing');
  const burns = CARD_BURN_WINDOWS.map((w) => html`<span class="burn">${w}: ${burnText(status.burnRates[w])}</span>`);
  return html`<dl class="facts slo-facts">
<dt>Objective</dt><dd>${status.objective}% over ${windowText(status.window)}</dd>
<dt>Current SLI</dt><dd>${current && status.sli !== undefined ? percentText(status.sli) : html`<span class="muted">—</span>`}</dd>
<dt>Error budget</dt><dd>${current ? budgetMeter(status.budgetRemaining, `Error budget left of ${status.name}`) : html`<span class="muted">—</span>`}</dd>
<dt>Burn rate</dt><dd>${current ? burns.map((b, i) => (i === 0 ? b : html` · ${b}`)) : html`<span class="muted">—</span>`}</dd>
${firing.length > 0 ? html`<dt>Firing</dt><dd><ul class="slo-alerts">${firing.map((a) => html`<li>${alertLine(a)}</li>`)}</ul></dd>` : ''}
</dl>`;
}

/**
 * What the Health card shows of one SLO apart from the time: its name, badge and facts as
 * they render while current (whether it is stale depends on the clock and the last cycle's
 * time, which the portal keys apart). Statuses with the same answer show the same card, so
 * an evaluation that changes neither need not render the service's page again.
 */
export function shownOf(status: SloStatus): string {
  return `${status.key}\n${healthBadge(status, undefined).value}\n${sloFacts(status, undefined).value}`;
}

/** One SLO of the Health card: its name (a link to its page), its state in words, its facts. */
function sloItem(site: Site, status: SloStatus, now: number | undefined): Html {
  return html`<li class="slo-item"><p class="slo-head">${entityLink(site, { ref: status.key, title: refName(status.key) })} ${healthBadge(status, now)}</p>${sloFacts(status, now)}</li>`;
}

/** "2 SLOs, 1 with a page alert firing": what a responder reads first. */
function summaryLine(statuses: readonly SloStatus[], now: number | undefined): string {
  const words = statuses.map((s) => healthOf(s, now));
  const count = (w: HealthWord) => words.filter((x) => x === w).length;
  const parts = [
    [count('firing'), 'with a page alert firing'],
    [count('burning'), 'burning budget'],
    [count('source-down'), 'with its source down'],
    [count('no-data'), 'without data'],
    [count('stale'), 'not evaluated lately'],
  ] as const;
  const said = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  const total = `${statuses.length} SLO${statuses.length === 1 ? '' : 's'}`;
  return said.length === 0 ? `${total}, all within objective.` : `${total}: ${said.join(', ')}.`;
}

/**
 * The service page's Health card, first of what is happening now: each SLO worst first
 * (the reader's order) with objective, current SLI, budget left, burn rates over 1h, 6h
 * and 3d, and firing alerts. A failing source or a stopped evaluation says so instead of
 * showing its last numbers (never a stale green).
 */
export function healthCard(site: Site, statuses: readonly SloStatus[], now: number | undefined): Html {
  return section(
    'health',
    'Health',
    html`<p class="health-summary">${summaryLine(statuses, now)}</p><ul class="slo-list">${statuses.map((s) => sloItem(site, s, now))}</ul>`,
  );
}

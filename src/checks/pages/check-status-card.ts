import { entityLink, refName, section, timestamp } from '../../web/components.ts';
import { type Site, siteUrl } from '../../web/site.ts';
import { html, type Html } from '../../web/html.ts';
import { utcText } from '../../web/time-label.ts';
import type { CheckResult, CheckStatusView, ResponsePoint, RunStatus } from '../model.ts';
import { checkBadge } from './check-badge.ts';
import { responseChart } from './response-chart.ts';

/** What a check's page shows: its status, the recent rounds, hourly response times and recent failures. */
export interface CheckPageData {
  status: CheckStatusView;
  rounds: { rounds: readonly number[]; cells: readonly { location: string; roundMs: number; status: RunStatus }[] };
  series: readonly ResponsePoint[];
  failures: readonly CheckResult[];
  /** A browser check's newest runs with web vitals (empty for other types). */
  vitals: readonly CheckResult[];
}

/** The letter a grid cell shows (with the word for screen readers), so a round's verdict is not told by colour alone. */
const CELL: Record<RunStatus, { letter: string; word: string; className: string }> = {
  passing: { letter: '✓', word: 'up', className: 'round-ok' },
  degraded: { letter: '~', word: 'degraded', className: 'round-warn' },
  failing: { letter: '✗', word: 'failing', className: 'round-error' },
};

/** The map-free grid: a row per location, a column per recent round (oldest left), each cell the round's verdict there. */
export function roundsGrid(data: CheckPageData['rounds'], locations: readonly string[]): Html {
  if (data.rounds.length === 0) return html`<p class="empty">No rounds have run yet.</p>`;
  const byCell = new Map(data.cells.map((c) => [`${c.location}@${c.roundMs}`, c.status]));
  const names = [...new Set([...locations, ...data.cells.map((c) => c.location)])];
  const head = data.rounds.map((r) => {
    const iso = new Date(r).toISOString();
    return html`<th scope="col"><time datetime="${iso}" title="${utcText(iso)}">${iso.slice(11, 16)}</time></th>`;
  });
  const rows = names.map(
    (location) =>
      html`<tr><th scope="row">${location}</th>${data.rounds.map((r) => {
        const status = byCell.get(`${location}@${r}`);
        if (!status)
          return html`<td class="round-none"><span aria-hidden="true">·</span><span class="visually-hidden">no run</span></td>`;
        const cell = CELL[status];
        return html`<td class="${cell.className}"><span aria-hidden="true">${cell.letter}</span><span class="visually-hidden">${cell.word}</span></td>`;
      })}</tr>`,
  );
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="Recent rounds by location"><table class="rounds-grid"><caption>Recent rounds by location (UTC start times; ✓ up, ~ degraded, ✗ failing)</caption><thead><tr><th scope="col">Location</th>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function locationsTable(status: CheckStatusView): Html {
  const rows = status.locations.map(
    (l) =>
      html`<tr><th scope="row">${l.location}</th><td>${checkBadge(l.status)}</td><td>${l.lastRunAt ? timestamp(l.lastRunAt) : '—'}</td><td>${l.lastFailureAt ? html`${timestamp(l.lastFailureAt)}: <span class="check-reason">${l.lastFailureReason ?? ''}</span>` : '—'}</td></tr>`,
  );
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="Locations"><table class="check-locations-table"><caption>Locations</caption><thead><tr><th scope="col">Location</th><th scope="col">Status</th><th scope="col">Last run</th><th scope="col">Last failure</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** Where a run's screenshot is served (the checks API; the page links to it). */
function screenshotUrl(site: Site, status: CheckStatusView, runId: string): string {
  const path = [status.namespace, status.name].map(encodeURIComponent).join('/');
  return siteUrl(site, `api/v1/checks/${path}/results/${encodeURIComponent(runId)}/screenshot`);
}

const vitalCell = (value: number | undefined, unit: string) =>
  value === undefined ? html`<td>—</td>` : html`<td class="num">${String(value)}${unit}</td>`;

/** A browser check's newest runs: the page's web vitals and time to first meaningful interaction. */
function vitalsTable(runs: readonly CheckResult[]): Html {
  if (runs.length === 0) return html`<p class="empty">No browser runs with web vitals are kept yet.</p>`;
  const rows = runs.map((r) => {
    const v = r.browser?.vitals ?? {};
    return html`<tr><th scope="row">${timestamp(r.at)}</th><td>${r.location}</td>${vitalCell(v.lcp, ' ms')}${vitalCell(v.cls, '')}${vitalCell(v.inp, ' ms')}${vitalCell(v.ttfb, ' ms')}${vitalCell(v.ttfmi, ' ms')}</tr>`;
  });
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="Web vitals"><table class="check-vitals"><caption>Web vitals of the newest browser runs (LCP largest contentful paint, CLS cumulative layout shift, INP interaction to next paint, TTFB time to first byte, TTFMI time to first meaningful interaction; ms from navigation start)</caption><thead><tr><th scope="col">Run</th><th scope="col">Location</th><th scope="col">LCP</th><th scope="col">CLS</th><th scope="col">INP</th><th scope="col">TTFB</th><th scope="col">TTFMI</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function failureList(site: Site, status: CheckStatusView, failures: readonly CheckResult[]): Html {
  if (failures.length === 0) return html`<p class="empty">No failing runs are kept.</p>`;
  return html`<ul class="check-failures">${failures.map(
    (f) =>
      html`<li><p>${timestamp(f.at)} at <strong>${f.location}</strong>${f.runner ? html` (runner ${f.runner})` : ''}: <span class="check-reason">${f.error ?? 'failed'}</span></p>${
        f.assertions.length > 0
          ? html`<ul class="check-assertions">${f.assertions.map((a) => html`<li>${a.passed ? 'held' : 'failed'}: <code>${a.assertion}</code> (saw <code>${a.actual}</code>)</li>`)}</ul>`
          : ''
      }${f.excerpt ? html`<details><summary>${f.browser ? 'Page text (start)' : 'Response body (start)'}</summary><pre class="code">${f.excerpt}</pre></details>` : ''}${
        f.browser?.refusals.length
          ? html`<p class="small">Refused by the runner: ${f.browser.refusals.join('; ')}</p>`
          : ''
      }${f.screenshot ? html`<p><a href="${screenshotUrl(site, status, f.runId)}">Screenshot of the failing page (JPEG)</a></p>` : ''}</li>`,
  )}</ul>`;
}

/** A check's own page: status and locations, the rounds grid, the response-time chart and the recent failures. */
export function checkStatusCard(site: Site, data: CheckPageData): Html {
  const { status } = data;
  const maintenance = status.inMaintenance
    ? html` <span class="badge badge-quiet">maintenance: alerts held</span>`
    : '';
  return section(
    'check-status',
    'Status',
    html`<p class="check-head">${checkBadge(status.status)}${maintenance}</p>
<p class="muted small">Service ${entityLink(site, { ref: status.service, title: refName(status.service) })} · ${status.type} every ${status.interval}</p>
${locationsTable(status)}
<h3>Recent rounds</h3>${roundsGrid(
      data.rounds,
      status.locations.map((l) => l.location),
    )}
<h3>Response time</h3>${responseChart(`response-${status.name}`, 'Mean response time per hour, last 48 hours', data.series)}
${status.type === 'browser' ? html`<h3>Web vitals</h3>${vitalsTable(data.vitals)}` : ''}
<h3>Recent failures</h3>${failureList(site, status, data.failures)}`,
  );
}

import { knownKind } from '../../catalog/kinds.ts';
import { entityTitle, keyOfRef } from '../../catalog/model.ts';
import type { CatalogReader } from '../../catalog/reader.ts';
import { emptyNote, entityLink, refName, timestamp } from '../../web/components.ts';
import { html, type Html, type HtmlValue } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { entityPath, siteUrl, type Site } from '../../web/site.ts';
import { renderBarChart } from '../charts.ts';
import type { DoraReport, DoraTrend } from '../model.ts';
import type { DoraDashboard, DoraService } from '../service.ts';
import type { DoraTier } from '../tiers.ts';

export const WINDOW_DAYS = [7, 14, 30, 90, 180, 365] as const;
export const DEFAULT_DAYS = 30;
const HOUR_MS = 3_600_000;
/** A week whose change failure rate is above this is drawn as bad: the 2023 report's medium tier ends here. */
const CFR_BAD = 0.15;

export interface DeliveryPageData {
  ref: string;
  title: string;
  kind: string;
  days: number;
  dashboard: DoraDashboard;
}

/**
 * The delivery page of an entity: the window ends at the next full hour, so a page cached
 * within the hour shows the same numbers. Undefined for no entity or a window not offered.
 */
export async function loadDeliveryPage(
  store: CatalogReader,
  dora: Pick<DoraService, 'dashboard'>,
  key: string,
  search: URLSearchParams,
  now: Date,
): Promise<DeliveryPageData | undefined> {
  const daysParam = search.get('days');
  const days = daysParam === null ? DEFAULT_DAYS : Number(daysParam);
  if (!(WINDOW_DAYS as readonly number[]).includes(days)) return undefined;
  const detail = await store.getEntity(key);
  if (!detail) return undefined;
  const to = (Math.floor(now.getTime() / HOUR_MS) + 1) * HOUR_MS;
  const dashboard = await dora.dashboard(keyOfRef(detail.ref), { from: to - days * 24 * HOUR_MS, to });
  return {
    ref: detail.ref,
    title: entityTitle(detail.entity) ?? detail.entity.metadata.name,
    kind: knownKind(detail.entity.kind) ?? detail.entity.kind,
    days,
    dashboard,
  };
}

/** Seconds as a person reads them: minutes, hours or days. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

const percent = (rate: number | null): string =>
  rate === null ? '—' : `${(rate * 100).toFixed(rate < 0.1 && rate > 0 ? 1 : 0)}%`;
const perWeek = (n: number): string => (n >= 10 ? n.toFixed(0) : n.toFixed(1));

function tierBadge(tier: DoraTier | null): Html {
  if (tier === null) return html`<span class="badge badge-quiet">no data</span>`;
  const cls = tier === 'elite' || tier === 'high' ? 'badge-ok' : tier === 'medium' ? 'badge-warn' : 'badge-error';
  return html`<span class="badge ${cls}">${tier}</span>`;
}

function trendText(trend: DoraTrend, previous: string, days: number): Html {
  const words: Record<DoraTrend['direction'], string> = {
    better: 'Better than',
    worse: 'Worse than',
    same: 'About the same as',
    unknown: 'No comparison with',
  };
  const cls =
    trend.direction === 'better' ? 'trend-better' : trend.direction === 'worse' ? 'trend-worse' : 'trend-same';
  return html`<p class="small ${cls}">${words[trend.direction]} the previous ${days} days${trend.direction === 'unknown' ? '' : html` (${previous})`}.</p>`;
}

function metricCard(
  id: string,
  title: string,
  value: string,
  tier: DoraTier | null,
  trend: Html,
  facts: HtmlValue,
): Html {
  return html`<section class="card metric" aria-labelledby="${id}"><h2 id="${id}">${title}</h2>
<p class="metric-value">${value} ${tierBadge(tier)}</p>${trend}<p class="muted small">${facts}</p></section>`;
}

function metricCards(data: DeliveryPageData): Html {
  const { current: c, previous: p, trend } = data.dashboard;
  return html`<div class="metric-grid">
${metricCard('frequency', 'Deployment frequency', `${perWeek(c.deploymentFrequency.perWeek)} a week`, c.deploymentFrequency.tier, trendText(trend.deploymentFrequency, `${perWeek(p.deploymentFrequency.perWeek)} a week`, data.days), `${c.deploymentFrequency.deployments} successful production deployments on ${c.deploymentFrequency.deployDays} days (${perWeek(c.deploymentFrequency.deployDaysPerWeek)} deploy days a week).`)}
${metricCard('lead-time', 'Lead time for changes', formatDuration(c.leadTime.medianSeconds), c.leadTime.tier, trendText(trend.leadTime, formatDuration(p.leadTime.medianSeconds), data.days), `Median from commit to production over ${c.leadTime.commits} commits; 90th percentile ${formatDuration(c.leadTime.p90Seconds)}.`)}
${metricCard('failure-rate', 'Change failure rate', percent(c.changeFailureRate.rate), c.changeFailureRate.tier, trendText(trend.changeFailureRate, percent(p.changeFailureRate.rate), data.days), `${c.changeFailureRate.failed} of ${c.changeFailureRate.deployments} production deployments failed, were rolled back or led to an incident (${c.changeFailureRate.fromIncidents} counted from incidents linked to them).`)}
${metricCard('recovery', 'Failed deployment recovery time', formatDuration(c.recoveryTime.medianSeconds), c.recoveryTime.tier, trendText(trend.recoveryTime, formatDuration(p.recoveryTime.medianSeconds), data.days), `Median from a failed deployment to the next successful one, or from a deployment an incident is linked to until the incident was resolved (${c.recoveryTime.fromIncidents} from incidents), over ${c.recoveryTime.recovered} recoveries${c.recoveryTime.unrecovered ? `; ${c.recoveryTime.unrecovered} not yet recovered` : ''}.`)}
</div>`;
}

function warnings(report: DoraReport): Html | '' {
  if (report.warnings.length === 0) return '';
  return html`<section class="card card-wide" aria-labelledby="data-quality"><h2 id="data-quality">Data quality</h2><ul class="plain">${report.warnings.map(
    (w) =>
      html`<li><span class="badge badge-warn">${w.code}</span> ${w.message}${w.examples.length ? html`<br><span class="muted small">For example: ${w.examples.join('; ')}</span>` : ''}</li>`,
  )}</ul></section>`;
}

function charts(data: DeliveryPageData): Html {
  const weeks = data.dashboard.weeks;
  const label = (from: number, partial: boolean) => `${new Date(from).toISOString().slice(5, 10)}${partial ? '*' : ''}`;
  return html`<section class="card card-wide" aria-labelledby="weekly"><h2 id="weekly">Week by week</h2>
<p class="muted small">Weeks start on the date shown (UTC)${weeks.some((w) => w.partial) ? '; * marks a week cut short by the end of the window' : ''}.</p>
${renderBarChart({ id: 'deploys', title: 'Successful production deployments per week', caption: 'Successful production deployments per week.', labelHeading: 'Week starting', valueHeading: 'Deployments', bars: weeks.map((w) => ({ label: label(w.from, w.partial), value: w.successfulDeployments })), format: (v) => String(Math.round(v)) })}
${renderBarChart({ id: 'failure-rate', title: 'Change failure rate per week', caption: `Share of production deployments that failed or were rolled back; weeks above ${CFR_BAD * 100}% are marked.`, labelHeading: 'Week starting', valueHeading: 'Change failure rate (%)', bars: weeks.map((w) => ({ label: label(w.from, w.partial), value: w.changeFailureRate === null ? null : Math.round(w.changeFailureRate * 1000) / 10, bad: (w.changeFailureRate ?? 0) > CFR_BAD })), format: (v) => `${v}%`, badMeaning: `above ${CFR_BAD * 100}%` })}
${renderBarChart({ id: 'lead-time', title: 'Median lead time per week, in hours', caption: 'Median hours from commit to production, by the week the commits reached production.', labelHeading: 'Week starting', valueHeading: 'Median lead time (hours)', bars: weeks.map((w) => ({ label: label(w.from, w.partial), value: w.leadTimeMedianSeconds === null ? null : Math.round(w.leadTimeMedianSeconds / 360) / 10 })), format: (v) => `${v} h` })}
</section>`;
}

function breakdown(site: Site, data: DeliveryPageData): Html | '' {
  const rows = data.dashboard.byService;
  if (rows.length < 2 && data.kind === 'Component') return '';
  return html`<section class="card card-wide" aria-labelledby="by-service"><h2 id="by-service">By service</h2>${
    rows.length === 0
      ? emptyNote('No production deployments in this window.')
      : html`<div class="table-scroll" tabindex="0" role="region" aria-label="DORA metrics per service"><table><caption class="visually-hidden">DORA metrics per service, most production deployments first</caption>
<thead><tr><th scope="col">Service</th><th scope="col">Deployments</th><th scope="col">A week</th><th scope="col">Change failure rate</th><th scope="col">Median lead time</th><th scope="col">Median recovery</th></tr></thead>
<tbody>${rows.map(
          (r) =>
            html`<tr><th scope="row">${entityLink(site, { ref: r.service, title: refName(r.service) })}</th><td>${r.report.changeFailureRate.deployments}</td><td>${perWeek(r.report.deploymentFrequency.perWeek)}</td><td>${percent(r.report.changeFailureRate.rate)} ${tierBadge(r.report.changeFailureRate.tier)}</td><td>${formatDuration(r.report.leadTime.medianSeconds)}</td><td>${formatDuration(r.report.recoveryTime.medianSeconds)}</td></tr>`,
        )}</tbody></table></div>`
  }</section>`;
}

/** The page; `extra` are other capabilities' cards (subpages.ts), shown after the breakdown. */
export function deliveryView(site: Site, data: DeliveryPageData, extra: readonly HtmlValue[] = []): Html {
  const base = siteUrl(site, entityPath(data.ref));
  const { current } = data.dashboard;
  const main = html`<h1>Delivery: ${data.title}</h1>
<p class="lede">DORA metrics of production deployments (${data.dashboard.productionEnvironments.join(', ')})${data.kind === 'Component' ? '' : html` of the ${data.dashboard.services} entities ${data.kind === 'Group' ? 'this team and its child teams own' : 'in its scope'}`}, from ${timestamp(new Date(current.window.from).toISOString())} to ${timestamp(new Date(current.window.to).toISOString())}. Tiers follow the ${current.tierYear} State of DevOps report.</p>
<nav class="tabs" aria-label="Window"><ul>${WINDOW_DAYS.map((d) => html`<li><a href="${base}delivery/${d === DEFAULT_DAYS ? '' : `?days=${d}`}"${d === data.days ? html` aria-current="true"` : ''}>${d} days</a></li>`)}</ul></nav>
${metricCards(data)}
<div class="entity-grid">${warnings(current)}${charts(data)}${breakdown(site, data)}${extra}</div>
<p><a href="${base}changes/">Every deployment and change on the timeline</a></p>`;
  return layout({
    site,
    title: `Delivery: ${data.title}`,
    section: 'catalog',
    crumbs: [
      { label: 'Catalog', href: siteUrl(site, 'catalog/') },
      { label: data.title, href: base },
      { label: 'Delivery' },
    ],
    main,
  });
}

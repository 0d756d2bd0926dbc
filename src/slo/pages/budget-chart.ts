import { chartId } from '../../dora/charts.ts';
import { html, type Html } from '../../web/html.ts';
import { utcText } from '../../web/time-label.ts';
import type { BudgetPoint } from '../model.ts';
import { budgetText, percentText } from './slo-text.ts';

/**
 * The budget-burn chart of an SLO page: the error budget left over the SLO's window as a
 * line, drawn in SVG with classes only (the CSP forbids inline style; the stylesheet
 * decides colours in light and dark themes). The picture is role="img" with a title and a
 * summary in words; the same points follow as a table, so nothing is only in the picture.
 */

const WIDTH = 640;
const PAD_LEFT = 52;
const PAD_RIGHT = 16;
const PAD_TOP = 16;
const PLOT_H = 160;
const PAD_BOTTOM = 28;
const HEIGHT = PAD_TOP + PLOT_H + PAD_BOTTOM;
const PLOT_W = WIDTH - PAD_LEFT - PAD_RIGHT;

const round = (v: number): number => Math.round(v * 10) / 10;
/** `03-02 14:00`: short enough for an axis; the table and the summary carry the full UTC time. */
const shortTime = (iso: string): string => iso.slice(5, 16).replace('T', ' ');

/** The points that can be drawn: a real time and a finite value, in time order. */
function usable(points: readonly BudgetPoint[]): { t: number; point: BudgetPoint }[] {
  return points
    .map((point) => ({ t: Date.parse(point.at), point }))
    .filter(({ t, point }) => Number.isFinite(t) && Number.isFinite(point.budgetRemaining))
    .sort((a, b) => a.t - b.t);
}

/** One sentence a screen reader reads instead of the picture. */
export function budgetSummary(points: readonly BudgetPoint[]): string {
  const drawn = usable(points);
  const first = drawn[0]?.point;
  const last = drawn[drawn.length - 1]?.point;
  if (!first || !last) return 'No data.';
  const lowest = drawn.reduce((low, p) => (p.point.budgetRemaining < low.budgetRemaining ? p.point : low), first);
  const say = (p: BudgetPoint) => `${budgetText(p.budgetRemaining)} at ${utcText(p.at)}`;
  if (drawn.length === 1) return `One point: ${say(first)}.`;
  const low = lowest === last ? '' : ` Lowest: ${say(lowest)}.`;
  return `${drawn.length} points from ${say(first)} to ${say(last)}.${low}`;
}

function picture(id: string, title: string, points: readonly BudgetPoint[]): Html {
  const drawn = usable(points);
  const head = html`<title id="${id}-title">${title}</title><desc id="${id}-desc">${budgetSummary(points)}</desc>`;
  const open = html`<svg class="chart" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${id}-title ${id}-desc">`;
  if (drawn.length === 0)
    return html`${open}${head}<text class="chart-label" x="${WIDTH / 2}" y="${PAD_TOP + PLOT_H / 2}" text-anchor="middle" font-size="12">No data</text></svg>`;
  const values = drawn.map((d) => d.point.budgetRemaining);
  // The budget starts at 100 %; below zero it is overspent, and the zero line says where.
  const top = Math.max(1, ...values);
  const bottom = Math.min(0, ...values);
  const y = (v: number) => round(PAD_TOP + ((top - v) / (top - bottom)) * PLOT_H);
  const from = drawn[0]?.t ?? 0;
  const span = (drawn[drawn.length - 1]?.t ?? from) - from;
  const x = (t: number) => round(PAD_LEFT + (span === 0 ? PLOT_W / 2 : ((t - from) / span) * PLOT_W));
  const ticks = [...new Set([top, 0.5, 0, bottom])].filter((v) => v <= top && v >= bottom);
  const axis = ticks.map(
    (v) =>
      html`<line class="${v === 0 ? 'chart-zero' : 'chart-grid'}" x1="${PAD_LEFT}" y1="${y(v)}" x2="${WIDTH - PAD_RIGHT}" y2="${y(v)}"/><text class="chart-label" x="${PAD_LEFT - 6}" y="${round(y(v) + 4)}" text-anchor="end" font-size="11">${percentText(v, 0)}</text>`,
  );
  const line = drawn.map((d) => `${x(d.t)},${y(d.point.budgetRemaining)}`).join(' ');
  const firstPoint = drawn[0]?.point as BudgetPoint;
  const lastPoint = drawn[drawn.length - 1]?.point as BudgetPoint;
  const labels = html`<text class="chart-label" x="${PAD_LEFT}" y="${HEIGHT - 8}" text-anchor="start" font-size="11">${shortTime(firstPoint.at)}</text>${
    drawn.length > 1
      ? html`<text class="chart-label" x="${WIDTH - PAD_RIGHT}" y="${HEIGHT - 8}" text-anchor="end" font-size="11">${shortTime(lastPoint.at)}</text>`
      : ''
  }`;
  const marks =
    drawn.length === 1
      ? html`<circle class="chart-point" cx="${x(drawn[0]?.t ?? 0)}" cy="${y(firstPoint.budgetRemaining)}" r="3"/>`
      : '';
  return html`${open}${head}${axis}<polyline class="chart-line" fill="none" points="${line}"/>${marks}${labels}<line class="chart-axis" x1="${PAD_LEFT}" y1="${PAD_TOP}" x2="${PAD_LEFT}" y2="${PAD_TOP + PLOT_H}"/></svg>`;
}

/**
 * The chart as a figure: picture, caption, and the points as a table in a disclosure.
 *
 * @example
 * budgetChart('budget', 'Error budget left over 30 days', [{ at: '2026-03-01T00:00:00Z', budgetRemaining: 0.8 }]);
 */
export function budgetChart(id: string, title: string, points: readonly BudgetPoint[]): Html {
  const slug = chartId(id);
  const rows = usable(points).map(
    ({ point }) =>
      html`<tr><th scope="row"><time datetime="${point.at}">${utcText(point.at)}</time></th><td>${budgetText(point.budgetRemaining)}</td></tr>`,
  );
  return html`<figure class="chart-figure" id="${slug}">${picture(slug, title, points)}<figcaption>${title}. Below the zero line the budget is overspent.</figcaption><details><summary>Data table</summary><table><caption>${title}</caption><thead><tr><th scope="col">Time</th><th scope="col">Error budget</th></tr></thead><tbody>${rows.length > 0 ? rows : html`<tr><td colspan="2">No data</td></tr>`}</tbody></table></details></figure>`;
}

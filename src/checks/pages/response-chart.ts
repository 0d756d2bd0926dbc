import { chartId } from '../../dora/charts.ts';
import { html, type Html } from '../../web/html.ts';
import { utcText } from '../../web/time-label.ts';
import type { ResponsePoint } from '../model.ts';

/**
 * A check page's response-time chart: the mean response time per hour, one line per
 * location, drawn in SVG with classes only (the CSP forbids inline style), role="img" with
 * a summary in words, and every point again in a table. Lines are told apart by a dash
 * pattern and named in a legend, not by colour alone.
 */

const WIDTH = 640;
const PAD_LEFT = 56;
const PAD_RIGHT = 16;
const PAD_TOP = 16;
const PLOT_H = 160;
const PAD_BOTTOM = 28;
const HEIGHT = PAD_TOP + PLOT_H + PAD_BOTTOM;
const PLOT_W = WIDTH - PAD_LEFT - PAD_RIGHT;
/** Locations drawn with a pattern of their own; more share the last. */
const PATTERNS = 4;

const round = (v: number): number => Math.round(v * 10) / 10;
const shortTime = (iso: string): string => iso.slice(5, 16).replace('T', ' ');

function usable(points: readonly ResponsePoint[]): (ResponsePoint & { t: number })[] {
  return points
    .map((p) => ({ ...p, t: Date.parse(p.at) }))
    .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.meanMs) && p.runs > 0)
    .sort((a, b) => a.t - b.t || a.location.localeCompare(b.location));
}

/** One sentence a screen reader reads instead of the picture. */
export function responseSummary(points: readonly ResponsePoint[]): string {
  const drawn = usable(points);
  if (drawn.length === 0) return 'No runs yet.';
  const locations = [...new Set(drawn.map((p) => p.location))];
  const worst = drawn.reduce((w, p) => (p.maxMs > w.maxMs ? p : w));
  return `Mean response time per hour at ${locations.length} location${locations.length === 1 ? '' : 's'} (${locations.join(', ')}). Slowest run: ${worst.maxMs} ms at ${worst.location}, hour of ${utcText(worst.at)}.`;
}

function picture(id: string, title: string, points: readonly ResponsePoint[]): Html {
  const drawn = usable(points);
  const head = html`<title id="${id}-title">${title}</title><desc id="${id}-desc">${responseSummary(points)}</desc>`;
  const open = html`<svg class="chart" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${id}-title ${id}-desc">`;
  if (drawn.length === 0)
    return html`${open}${head}<text class="chart-label" x="${WIDTH / 2}" y="${PAD_TOP + PLOT_H / 2}" text-anchor="middle" font-size="12">No data</text></svg>`;
  const top = Math.max(1, ...drawn.map((p) => p.meanMs));
  const y = (v: number) => round(PAD_TOP + ((top - v) / top) * PLOT_H);
  const from = drawn[0]?.t ?? 0;
  const span = (drawn[drawn.length - 1]?.t ?? from) - from;
  const x = (t: number) => round(PAD_LEFT + (span === 0 ? PLOT_W / 2 : ((t - from) / span) * PLOT_W));
  const axis = [top, top / 2, 0].map(
    (v) =>
      html`<line class="chart-grid" x1="${PAD_LEFT}" y1="${y(v)}" x2="${WIDTH - PAD_RIGHT}" y2="${y(v)}"/><text class="chart-label" x="${PAD_LEFT - 6}" y="${round(y(v) + 4)}" text-anchor="end" font-size="11">${Math.round(v)} ms</text>`,
  );
  const locations = [...new Set(drawn.map((p) => p.location))];
  const lines = locations.map((location, i) => {
    const mine = drawn.filter((p) => p.location === location);
    const pattern = `chart-series-${Math.min(i, PATTERNS - 1)}`;
    return mine.length === 1
      ? html`<circle class="chart-point" cx="${x(mine[0]?.t ?? 0)}" cy="${y(mine[0]?.meanMs ?? 0)}" r="3"/>`
      : html`<polyline class="chart-line ${pattern}" fill="none" points="${mine.map((p) => `${x(p.t)},${y(p.meanMs)}`).join(' ')}"/>`;
  });
  const first = drawn[0] as ResponsePoint;
  const last = drawn[drawn.length - 1] as ResponsePoint;
  const labels = html`<text class="chart-label" x="${PAD_LEFT}" y="${HEIGHT - 8}" text-anchor="start" font-size="11">${shortTime(first.at)}</text>${
    span > 0
      ? html`<text class="chart-label" x="${WIDTH - PAD_RIGHT}" y="${HEIGHT - 8}" text-anchor="end" font-size="11">${shortTime(last.at)}</text>`
      : ''
  }`;
  return html`${open}${head}${axis}${lines}${labels}<line class="chart-axis" x1="${PAD_LEFT}" y1="${PAD_TOP}" x2="${PAD_LEFT}" y2="${PAD_TOP + PLOT_H}"/></svg>`;
}

/** The chart as a figure: picture, legend, caption and the points as a table. */
export function responseChart(id: string, title: string, points: readonly ResponsePoint[]): Html {
  const slug = chartId(id);
  const drawn = usable(points);
  const locations = [...new Set(drawn.map((p) => p.location))];
  const legend =
    locations.length > 1
      ? html`<ul class="chart-legend">${locations.map((l, i) => html`<li><svg width="28" height="8" aria-hidden="true"><line class="chart-line chart-series-${Math.min(i, PATTERNS - 1)}" x1="0" y1="4" x2="28" y2="4"/></svg> ${l}</li>`)}</ul>`
      : '';
  const rows = drawn.map(
    (p) =>
      html`<tr><th scope="row"><time datetime="${p.at}">${utcText(p.at)}</time></th><td>${p.location}</td><td>${p.meanMs} ms</td><td>${p.maxMs} ms</td><td>${p.runs}</td><td>${p.failing}</td></tr>`,
  );
  return html`<figure class="chart-figure" id="${slug}">${picture(slug, title, points)}${legend}<figcaption>${title}.</figcaption><details><summary>Data table</summary><div class="table-scroll" tabindex="0" role="region" aria-label="${title}, as a table"><table><caption>${title}</caption><thead><tr><th scope="col">Hour</th><th scope="col">Location</th><th scope="col">Mean</th><th scope="col">Slowest</th><th scope="col">Runs</th><th scope="col">Failing</th></tr></thead><tbody>${rows.length > 0 ? rows : html`<tr><td colspan="6">No data</td></tr>`}</tbody></table></div></details></figure>`;
}

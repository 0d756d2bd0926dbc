import { html, type Html } from '../web/html.ts';
import { truncate } from '../web/truncate.ts';

/**
 * Server-rendered bar charts that work without script or inline style (the portal's CSP
 * forbids both): colours come only from CSS classes, so the stylesheet decides contrast in
 * light and dark themes. The picture is role="img" with a title and a one-sentence
 * summary; the same numbers follow as a real table, so nothing is only in the picture.
 */

export interface BarChartBar {
  label: string;
  /** Null (or not a finite number) is a gap: no bar, and "no data" in the table. */
  value: number | null;
  /** Drawn with the "bad" class and marked in the table, e.g. a week above a target (a gap has no bar to mark). */
  bad?: boolean;
}

export interface BarChartSpec {
  /** Prefix of the chart's element ids, reduced to [a-z0-9-]; must be unique on the page. */
  id: string;
  /** The picture's accessible name and the table's caption. */
  title: string;
  /** The visible caption under the picture. */
  caption: string;
  /** Heading of the label column, e.g. "Week starting". */
  labelHeading: string;
  /** Heading of the value column, e.g. "Deployments". */
  valueHeading: string;
  bars: readonly BarChartBar[];
  /** How a value is written everywhere it appears; by default up to two decimals. */
  format?: (value: number) => string;
  /** What a bad bar means, in words, for the table and the summary; by default "flagged". */
  badMeaning?: string;
}

const SLOT = 64;
const BAR_W = 40;
const PAD_LEFT = 64;
const PAD_RIGHT = 12;
const PAD_TOP = 24;
const PLOT_H = 160;
const PAD_BOTTOM = 32;
const HEIGHT = PAD_TOP + PLOT_H + PAD_BOTTOM;
const BASELINE = PAD_TOP + PLOT_H;
/** About 6 px a character at 11 px fits a slot with a margin. */
const LABEL_CHARS = 10;
const TICK_CHARS = 9;
const NO_DATA = 'no data';

const round = (v: number): number => Math.round(v * 10) / 10;
const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;

function defaultFormat(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** Lower case, [a-z0-9-] only, no leading, trailing or doubled dashes; "chart" when nothing is left. */
export function chartId(id: string): string {
  const slug = id
    .slice(0, 200)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug || 'chart';
}

/** The smallest 1, 2 or 5 × 10^k at or above the largest value, so the axis reads in round numbers. */
function niceTop(max: number): number {
  if (!(max > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

interface Bar {
  label: string;
  value: number | null;
  bad: boolean;
}

function summary(bars: readonly Bar[], format: (v: number) => string, badMeaning: string): string {
  if (bars.length === 0) return 'No data.';
  const first = bars[0] as Bar;
  const last = bars[bars.length - 1] as Bar;
  const known = bars.filter((b) => b.value !== null);
  const span =
    bars.length === 1 ? `1 value, for ${first.label}` : `${bars.length} values from ${first.label} to ${last.label}`;
  if (known.length === 0) return `${span}, none with data.`;
  const highest = known.reduce((best, b) => ((b.value as number) > (best.value as number) ? b : best));
  const parts = [
    highest.value === 0 && known.every((b) => b.value === 0)
      ? `${span}: all ${format(0)}.`
      : `${span}. Highest: ${format(highest.value as number)} (${highest.label}). Latest: ${last.value === null ? NO_DATA : format(last.value)} (${last.label}).`,
  ];
  const gaps = bars.length - known.length;
  if (gaps > 0) parts.push(`${plural(gaps, 'value has', 'values have')} no data.`);
  const bad = bars.filter((b) => b.bad).length;
  if (bad > 0) parts.push(`${plural(bad, 'value is', 'values are')} marked as ${badMeaning}.`);
  return parts.join(' ');
}

function picture(
  id: string,
  title: string,
  description: string,
  bars: readonly Bar[],
  format: (v: number) => string,
): Html {
  const width = PAD_LEFT + Math.max(1, bars.length) * SLOT + PAD_RIGHT;
  const head = html`<title id="${id}-title">${title}</title><desc id="${id}-desc">${description}</desc>`;
  // Drawn at its natural size (text stays 11 px), scaled down only when the page is narrower.
  const open = html`<svg class="chart" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}" role="img" aria-labelledby="${id}-title ${id}-desc">`;
  const axisX = html`<line class="chart-axis" x1="${PAD_LEFT}" y1="${BASELINE}" x2="${width - PAD_RIGHT}" y2="${BASELINE}"/>`;
  if (bars.length === 0) {
    return html`${open}${head}${axisX}<text class="chart-label" x="${round(width / 2)}" y="${round(PAD_TOP + PLOT_H / 2)}" text-anchor="middle" font-size="12">No data</text></svg>`;
  }
  // Negative values have no bar below the zero line here: DORA's numbers never go below zero.
  const top = niceTop(Math.max(0, ...bars.map((b) => b.value ?? 0)));
  const y = (v: number) => round(BASELINE - (Math.max(0, v) / top) * PLOT_H);
  const ticks = [0, top / 2, top].map(
    (v) =>
      html`<line class="chart-axis" x1="${PAD_LEFT - 4}" y1="${y(v)}" x2="${PAD_LEFT}" y2="${y(v)}"/><text class="chart-label" x="${PAD_LEFT - 6}" y="${round(y(v) + 4)}" text-anchor="end" font-size="11">${truncate(format(v), TICK_CHARS)}</text>`,
  );
  const columns = bars.map((b, i) => {
    const cx = PAD_LEFT + i * SLOT + SLOT / 2;
    const text = b.value === null ? NO_DATA : format(b.value);
    const label = html`<text class="chart-label" x="${cx}" y="${BASELINE + 16}" text-anchor="middle" font-size="11">${truncate(b.label, LABEL_CHARS)}</text>`;
    if (b.value === null) {
      return html`<g><title>${b.label}: ${NO_DATA}</title><text class="chart-label" x="${cx}" y="${BASELINE - 4}" text-anchor="middle" font-size="11">${NO_DATA}</text>${label}</g>`;
    }
    const barTop = y(b.value);
    return html`<g><title>${b.label}: ${text}</title><rect class="${b.bad ? 'chart-bar chart-bar-bad' : 'chart-bar'}" x="${cx - BAR_W / 2}" y="${barTop}" width="${BAR_W}" height="${round(BASELINE - barTop)}"/><text class="chart-label" x="${cx}" y="${round(barTop - 4)}" text-anchor="middle" font-size="11">${truncate(text, LABEL_CHARS)}</text>${label}</g>`;
  });
  return html`${open}${head}${ticks}${columns}${axisX}<line class="chart-axis" x1="${PAD_LEFT}" y1="${PAD_TOP}" x2="${PAD_LEFT}" y2="${BASELINE}"/></svg>`;
}

function table(spec: BarChartSpec, bars: readonly Bar[], format: (v: number) => string, badMeaning: string): Html {
  const marked = bars.some((b) => b.bad);
  const columns = marked ? 3 : 2;
  const rows =
    bars.length === 0
      ? html`<tr><td colspan="${columns}">No data</td></tr>`
      : bars.map(
          (b) =>
            html`<tr><th scope="row">${b.label}</th><td>${b.value === null ? NO_DATA : format(b.value)}</td>${marked ? html`<td>${b.bad ? badMeaning : ''}</td>` : ''}</tr>`,
        );
  return html`<details><summary>Data table</summary><table><caption>${spec.title}</caption><thead><tr><th scope="col">${spec.labelHeading}</th><th scope="col">${spec.valueHeading}</th>${
    marked ? html`<th scope="col">Note</th>` : ''
  }</tr></thead><tbody>${rows}</tbody></table></details>`;
}

/**
 * A bar chart as a figure: the SVG picture (accessible name and summary), a visible
 * caption, and the same data as a table in a disclosure. Same spec, same bytes.
 *
 * @example
 * renderBarChart({
 *   id: 'deploys', title: 'Deployments per week', caption: 'Successful production deployments, by week',
 *   labelHeading: 'Week starting', valueHeading: 'Deployments',
 *   bars: [{ label: '2024-03-04', value: 12 }, { label: '2024-03-11', value: null }],
 * });
 */
export function renderBarChart(spec: BarChartSpec): Html {
  const id = chartId(spec.id);
  const format = spec.format ?? defaultFormat;
  const badMeaning = spec.badMeaning ?? 'flagged';
  const bars: Bar[] = spec.bars.map((b) => ({
    label: b.label,
    value: typeof b.value === 'number' && Number.isFinite(b.value) ? b.value : null,
    bad: b.bad === true && typeof b.value === 'number' && Number.isFinite(b.value),
  }));
  const description = summary(bars, format, badMeaning);
  return html`<figure class="chart-figure" id="${id}">${picture(id, spec.title, description, bars, format)}<figcaption>${spec.caption}</figcaption>${table(spec, bars, format, badMeaning)}</figure>`;
}

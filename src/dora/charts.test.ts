import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chartId, renderBarChart, type BarChartBar, type BarChartSpec } from './charts.ts';

const spec = (bars: BarChartBar[], fields: Partial<BarChartSpec> = {}): BarChartSpec => ({
  id: 'deploys',
  title: 'Deployments per week',
  caption: 'Successful production deployments, by week',
  labelHeading: 'Week starting',
  valueHeading: 'Deployments',
  bars,
  ...fields,
});
const render = (bars: BarChartBar[], fields: Partial<BarChartSpec> = {}): string =>
  renderBarChart(spec(bars, fields)).value;

const svgOf = (out: string): string => out.slice(out.indexOf('<svg'), out.indexOf('</svg>') + 6);
const tableOf = (out: string): string => out.slice(out.indexOf('<table'), out.indexOf('</table>') + 8);
const descOf = (out: string): string => /<desc id="[^"]*">([^<]*)<\/desc>/.exec(out)?.[1] ?? '';
const heights = (out: string): number[] =>
  [...out.matchAll(/<rect class="chart-bar[^"]*" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"/g)].map((m) =>
    Number(m[1]),
  );
/** The table's rows as [label, value] text. */
const rows = (out: string): string[][] =>
  [...tableOf(out).matchAll(/<tr><th scope="row">([^<]*)<\/th><td>([^<]*)<\/td>/g)].map((m) => [
    m[1] ?? '',
    m[2] ?? '',
  ]);
/** Text of the x-axis labels, which sit just below the baseline (y = 200). */
const xLabels = (out: string): string[] =>
  [...svgOf(out).matchAll(/<text class="chart-label" x="[\d.]+" y="200"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] ?? '');

const WEEKS: BarChartBar[] = [
  { label: '2024-01-01', value: 3 },
  { label: '2024-01-08', value: 7 },
  { label: '2024-01-15', value: 10 },
];

describe('renderBarChart', () => {
  test('a figure: an SVG image named by its title and summary, a caption, and the data as a table', () => {
    const out = render(WEEKS);
    assert.match(
      out,
      /^<figure class="chart-figure" id="deploys"><svg [^>]*role="img" aria-labelledby="deploys-title deploys-desc">/,
    );
    assert.match(out, /<title id="deploys-title">Deployments per week<\/title><desc id="deploys-desc">/);
    assert.match(out, /<figcaption>Successful production deployments, by week<\/figcaption>/);
    assert.match(
      out,
      /<details><summary>Data table<\/summary><table><caption>Deployments per week<\/caption><thead><tr><th scope="col">Week starting<\/th><th scope="col">Deployments<\/th><\/tr><\/thead>/,
    );
    assert.match(out, /<\/table><\/details><\/figure>$/);
  });

  test('the summary names the span, the highest and the latest value', () => {
    assert.equal(
      descOf(render(WEEKS)),
      '3 values from 2024-01-01 to 2024-01-15. Highest: 10 (2024-01-15). Latest: 10 (2024-01-15).',
    );
    const dip: BarChartBar[] = [...WEEKS, { label: '2024-01-22', value: 2 }];
    assert.equal(
      descOf(render(dip)),
      '4 values from 2024-01-01 to 2024-01-22. Highest: 10 (2024-01-15). Latest: 2 (2024-01-22).',
    );
  });

  test('the table and the bars say the same: one row per bar, heights proportional on a round axis', () => {
    const out = render(WEEKS);
    assert.deepEqual(rows(out), [
      ['2024-01-01', '3'],
      ['2024-01-08', '7'],
      ['2024-01-15', '10'],
    ]);
    // The axis tops out at 10 (the smallest 1/2/5 × 10^k ≥ 10) over a 160 px plot: 3 → 48, 7 → 112, 10 → 160.
    assert.deepEqual(heights(out), [48, 112, 160]);
    assert.deepEqual(xLabels(out), ['2024-01-01', '2024-01-08', '2024-01-15']);
    // Axis ticks at 0, half and the top.
    assert.deepEqual(
      [...svgOf(out).matchAll(/text-anchor="end" font-size="11">([^<]*)</g)].map((m) => m[1]),
      ['0', '5', '10'],
    );
  });

  test('the axis rounds up to 1, 2 or 5 × 10^k', () => {
    // Largest 0.3 → top 0.5: 0.3 is 96 px of 160. Largest 13 → top 20: 13 is 104 px.
    assert.deepEqual(heights(render([{ label: 'a', value: 0.3 }])), [96]);
    assert.deepEqual(heights(render([{ label: 'a', value: 13 }])), [104]);
  });

  test('a null value is a gap in the picture and "no data" in the table and summary', () => {
    const out = render([
      { label: 'w1', value: 4 },
      { label: 'w2', value: null },
      { label: 'w3', value: Number.NaN },
      { label: 'w4', value: 2 },
    ]);
    assert.equal(heights(out).length, 2);
    assert.deepEqual(rows(out), [
      ['w1', '4'],
      ['w2', 'no data'],
      ['w3', 'no data'],
      ['w4', '2'],
    ]);
    assert.equal((svgOf(out).match(/>no data</g) ?? []).length, 2);
    assert.equal(descOf(out), '4 values from w1 to w4. Highest: 4 (w1). Latest: 2 (w4). 2 values have no data.');
    assert.equal(
      descOf(
        render([
          { label: 'w1', value: 4 },
          { label: 'w2', value: null },
        ]),
      ),
      '2 values from w1 to w2. Highest: 4 (w1). Latest: no data (w2). 1 value has no data.',
    );
  });

  test('all values missing', () => {
    const out = render([{ label: 'w1', value: null }]);
    assert.equal(descOf(out), '1 value, for w1, none with data.');
    assert.deepEqual(heights(out), []);
  });

  test('all-zero data draws flat bars on a unit axis and says so', () => {
    const out = render([
      { label: 'w1', value: 0 },
      { label: 'w2', value: 0 },
    ]);
    assert.deepEqual(heights(out), [0, 0]);
    assert.equal(descOf(out), '2 values from w1 to w2: all 0.');
    assert.deepEqual(rows(out), [
      ['w1', '0'],
      ['w2', '0'],
    ]);
  });

  test('no data at all: a picture that says so, a table with one row that says so', () => {
    const out = render([]);
    assert.equal(descOf(out), 'No data.');
    assert.match(svgOf(out), />No data<\/text>/);
    assert.match(tableOf(out), /<tbody><tr><td colspan="2">No data<\/td><\/tr><\/tbody>/);
    assert.deepEqual(heights(out), []);
  });

  test('a negative value has no bar below zero, and the table keeps the value', () => {
    const out = render([
      { label: 'w1', value: -2 },
      { label: 'w2', value: 5 },
    ]);
    assert.deepEqual(heights(out), [0, 160]);
    assert.deepEqual(rows(out)[0], ['w1', '-2']);
  });

  test('bad bars get the bad class, a note in the table and a mention in the summary', () => {
    const out = render(
      [
        { label: 'w1', value: 0.1 },
        { label: 'w2', value: 0.3, bad: true },
      ],
      { badMeaning: 'above the 15% target', format: (v) => `${Math.round(v * 100)}%` },
    );
    assert.equal((out.match(/class="chart-bar chart-bar-bad"/g) ?? []).length, 1);
    assert.equal((out.match(/class="chart-bar"/g) ?? []).length, 1);
    assert.match(tableOf(out), /<th scope="col">Note<\/th>/);
    assert.match(tableOf(out), /<tr><th scope="row">w2<\/th><td>30%<\/td><td>above the 15% target<\/td><\/tr>/);
    assert.match(tableOf(out), /<tr><th scope="row">w1<\/th><td>10%<\/td><td><\/td><\/tr>/);
    assert.equal(
      descOf(out),
      '2 values from w1 to w2. Highest: 30% (w2). Latest: 30% (w2). 1 value is marked as above the 15% target.',
    );
    assert.doesNotMatch(render(WEEKS), /Note/);
  });

  test('the format is used in the table, on the bars, on the axis and in the summary', () => {
    // Top 2 (already round): ticks 0 h, 1 h, 2 h; the bar's own label 2 h.
    const out = render([{ label: 'w1', value: 2 }], { format: (h) => `${h} h` });
    assert.deepEqual(rows(out), [['w1', '2 h']]);
    assert.deepEqual(
      [...svgOf(out).matchAll(/text-anchor="end" font-size="11">([^<]*)</g)].map((m) => m[1]),
      ['0 h', '1 h', '2 h'],
    );
    assert.match(svgOf(out), /text-anchor="middle" font-size="11">2 h<\/text>/);
    assert.match(descOf(out), /Highest: 2 h/);
  });

  test('long labels are shortened in the picture and whole in the table and tooltip', () => {
    const long = 'component:default/a-service-with-a-very-long-name';
    const out = render([{ label: long, value: 1 }]);
    assert.deepEqual(xLabels(out), ['component…']);
    assert.deepEqual(rows(out), [[long, '1']]);
    assert.match(svgOf(out), new RegExp(`<title>${long}: 1</title>`));
  });

  test('shortening never splits a character made of two UTF-16 units', () => {
    const out = render([{ label: '😀'.repeat(20), value: 1 }]);
    assert.deepEqual(xLabels(out), [`${'😀'.repeat(9)}…`]);
    assert.doesNotMatch(out, /[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  test('a huge label is rendered whole in the table only', () => {
    const huge = 'x'.repeat(200_000);
    const out = render([{ label: huge, value: 1 }]);
    assert.deepEqual(xLabels(out), ['xxxxxxxxx…']);
    assert.equal(rows(out)[0]?.[0]?.length, 200_000);
  });

  test('hostile text is escaped everywhere: no script element, no attribute injection, no inline style', () => {
    const evil = '"><script>alert(1)</script><rect style="fill:red" onload="x()"/>';
    const out = renderBarChart({
      id: evil,
      title: evil,
      caption: evil,
      labelHeading: evil,
      valueHeading: evil,
      badMeaning: evil,
      format: () => evil,
      bars: [
        { label: evil, value: 1, bad: true },
        { label: `${evil}${evil}`, value: null },
      ],
    }).value;
    assert.doesNotMatch(out, /<script/i);
    // The text "style=" survives, escaped, as text; inside a real tag (a raw "<" is always one) it must not.
    assert.doesNotMatch(out, /<[^>]*\sstyle=/i);
    assert.doesNotMatch(out, /<[^>]*\son\w+=/i);
    assert.match(out, /&lt;script&gt;/);
    // Every tag the renderer wrote is one of its own.
    const tags = new Set([...out.matchAll(/<\/?([a-z]+)/g)].map((m) => m[1]));
    assert.deepEqual([...tags].sort(), [
      'caption',
      'desc',
      'details',
      'figcaption',
      'figure',
      'g',
      'line',
      'rect',
      'summary',
      'svg',
      'table',
      'tbody',
      'td',
      'text',
      'th',
      'thead',
      'title',
      'tr',
    ]);
  });

  test('ids are reduced to lower-case letters, digits and dashes', () => {
    assert.equal(chartId('Lead Time <script>'), 'lead-time-script');
    assert.equal(chartId('CFR_2024/Q1'), 'cfr-2024-q1');
    assert.equal(chartId(''), 'chart');
    assert.equal(chartId('---'), 'chart');
    assert.equal(chartId('😀'), 'chart');
    assert.match(chartId('a'.repeat(1000)), /^a{64}$/);
    const out = render(WEEKS, { id: 'Lead Time "x"' });
    for (const m of out.matchAll(/(?:id|aria-labelledby)="([^"]*)"/g)) assert.match(m[1] ?? '', /^[a-z0-9 -]+$/);
    assert.match(out, /aria-labelledby="lead-time-x-title lead-time-x-desc"/);
  });

  test('the same spec renders the same bytes', () => {
    const bars: BarChartBar[] = [...WEEKS, { label: 'gap', value: null }, { label: 'bad', value: 12.345, bad: true }];
    assert.equal(render(bars), render(bars.map((b) => ({ ...b }))));
  });

  test('values are written with at most two decimals by default', () => {
    assert.deepEqual(
      rows(
        render([
          { label: 'a', value: 1 / 3 },
          { label: 'b', value: 2.5 },
        ]),
      ),
      [
        ['a', '0.33'],
        ['b', '2.5'],
      ],
    );
  });

  test('no colour is set in the markup: bars and text take theirs from CSS classes', () => {
    const out = render([...WEEKS, { label: 'bad', value: 1, bad: true }]);
    assert.doesNotMatch(out, /\s(fill|stroke|color)=/);
    const classes = new Set([...out.matchAll(/class="([^"]*)"/g)].flatMap((m) => (m[1] ?? '').split(' ')));
    assert.deepEqual([...classes].sort(), [
      'chart',
      'chart-axis',
      'chart-bar',
      'chart-bar-bad',
      'chart-figure',
      'chart-label',
    ]);
  });
});

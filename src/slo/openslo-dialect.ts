import type { DialectTranslation, KindDialect } from '../catalog/kinds.ts';
import { exact, formatExact, mul } from './exact.ts';
import { SLO_API_VERSION } from './model.ts';
import { WINDOW_PLACEHOLDER } from './prometheus-query.ts';

/**
 * OpenSLO v1 (`apiVersion: openslo/v1`) read as Atrium's SLO kind: each `SLO` becomes one
 * SLO entity, its indicator inline or an `SLI` of the same file, its objective the first
 * of `objectives` (`target` 0.999 or `targetPercent` 99.9, read exactly), its window the
 * first of `timeWindow`. Prometheus ratio metrics are measured; what Atrium cannot honour
 * (other budgeting methods, alert policies, notification targets, data source
 * connections, more objectives) is a warning at its line, and what it cannot read at all
 * (threshold or raw metrics, other sources) an error that leaves the SLO out. Pure.
 */

export const OPENSLO_API_VERSION = 'openslo/v1';
/** The annotation recording the format an SLO was written in (`atrium slo export` and pages read it). */
export const FORMAT_ANNOTATION = 'atrium.dev/slo-format';

type Issue = DialectTranslation['issues'][number];
type Made = DialectTranslation['documents'][number];
type Path = readonly PropertyKey[];

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects a translation's issues for one source document. */
export function issuesFor(issues: Issue[], source: number) {
  const add = (severity: Issue['severity'], path: Path, code: string, message: string, hint: string) =>
    issues.push({
      source,
      severity,
      path: [...path].map((p) => (typeof p === 'symbol' ? String(p) : p)),
      code,
      message,
      hint,
    });
  return {
    warn: (path: Path, code: string, message: string, hint: string) => add('warning', path, code, message, hint),
    error: (path: Path, code: string, message: string, hint: string) => add('error', path, code, message, hint),
  };
}

/** A path in the made SLO document -> where it was written, by the longest prefix listed in `origins`. */
export function originOf(origins: readonly (readonly [Path, Path])[]): (path: Path) => Path {
  return (path) => {
    let best: readonly [Path, Path] | undefined;
    for (const entry of origins) {
      const [prefix] = entry;
      if (
        prefix.length <= path.length &&
        prefix.every((p, i) => p === path[i]) &&
        (!best || prefix.length > best[0].length)
      )
        best = entry;
    }
    return best ? [...best[1], ...path.slice(best[0].length)] : path;
  };
}

/** `2w`, `28d`, `1M`: OpenSLO's duration shorthand. */
const DURATION = /^(\d{1,4})(m|h|d|w|M|Q|Y)$/;

const isDnsName = (s: string) => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(s);

/** A plain vector selector (`http_requests_total{code="500"}`), which a counter's rate can wrap. */
const SELECTOR = /^\s*[a-zA-Z_:][a-zA-Z0-9_:]*\s*(\{[^{}]*\})?\s*$/;

/**
 * A query of the format's metric source as an Atrium template: with `{{window}}` (or
 * Sloth's `{{.window}}`) as written; a counter's plain selector as its rate over the
 * window; anything else cannot be counted per window.
 */
export function windowTemplate(query: string, counter: boolean): string | undefined {
  const template = query.replaceAll(/\{\{\s*\.window\s*\}\}/g, WINDOW_PLACEHOLDER);
  if (template.includes(WINDOW_PLACEHOLDER)) return template;
  if (counter && SELECTOR.test(template)) return `sum(rate(${template.trim()}[${WINDOW_PLACEHOLDER}]))`;
  return undefined;
}

interface Context {
  byKind: Map<string, Map<string, number>>;
  documents: readonly unknown[];
}

function metadataOf(doc: Record<string, unknown>): Record<string, unknown> {
  return isRecord(doc.metadata) ? doc.metadata : {};
}

/** One metric source of a ratio: its query as a template and the data source it names. */
function metricQuery(
  ratio: Record<string, unknown>,
  part: 'good' | 'bad' | 'total',
  at: Path,
  context: Context,
  report: ReturnType<typeof issuesFor>,
): { template: string; source?: string } | undefined {
  const metric = ratio[part];
  const source = isRecord(metric) && isRecord(metric.metricSource) ? metric.metricSource : undefined;
  const path = [...at, part, 'metricSource'];
  if (!source) {
    report.error(
      [...at, part],
      'openslo-metric',
      `ratioMetric.${part} has no metricSource`,
      'Give it metricSource: {type: Prometheus, spec: {query: ...}}.',
    );
    return undefined;
  }
  const ref = typeof source.metricSourceRef === 'string' ? source.metricSourceRef : undefined;
  const dataSource = ref === undefined ? undefined : context.byKind.get('DataSource')?.get(ref);
  const dataSpec = dataSource === undefined ? undefined : (context.documents[dataSource] as { spec?: unknown }).spec;
  const type =
    typeof source.type === 'string'
      ? source.type
      : isRecord(dataSpec) && typeof dataSpec.type === 'string'
        ? dataSpec.type
        : undefined;
  if (type !== undefined && type.toLowerCase() !== 'prometheus') {
    report.error(
      [...path, 'type'],
      'openslo-source-type',
      `metric source type ${type} is not read: Atrium measures Prometheus queries`,
      'Use a Prometheus (PromQL) metric source, or declare the SLO with pushed events (indicator: {events: {}}).',
    );
    return undefined;
  }
  const spec = isRecord(source.spec) ? source.spec : {};
  const query = typeof spec.query === 'string' ? spec.query : typeof spec.promql === 'string' ? spec.promql : undefined;
  if (query === undefined) {
    report.error(
      [...path, 'spec'],
      'openslo-metric',
      `ratioMetric.${part} has no PromQL query (metricSource.spec.query)`,
      'Write the query under metricSource.spec.query.',
    );
    return undefined;
  }
  const counter = ratio.counter !== false;
  const template = windowTemplate(query, counter);
  if (template === undefined) {
    report.error(
      [...path, 'spec', 'query'],
      'openslo-query-window',
      `the ${part} query has no {{window}} range and is not a counter's plain selector`,
      'Write the range as {{window}}, e.g. sum(rate(http_requests_total{code=~"5.."}[{{window}}])), or give a counter selector with counter: true.',
    );
    return undefined;
  }
  return { template, ...(ref ? { source: ref } : {}) };
}

/** The SLO's window from `timeWindow[0]`: rolling days, or a calendar month in its time zone. */
function windowOf(spec: Record<string, unknown>, report: ReturnType<typeof issuesFor>): unknown {
  const windows = Array.isArray(spec.timeWindow) ? spec.timeWindow : [];
  const first = windows[0];
  if (!isRecord(first)) {
    report.warn(
      ['spec'],
      'openslo-window',
      'the SLO has no timeWindow: read as a rolling 30d window',
      'Add timeWindow: [{duration: 30d, isRolling: true}].',
    );
    return '30d';
  }
  if (windows.length > 1)
    report.warn(
      ['spec', 'timeWindow', 1],
      'openslo-window',
      'only the first timeWindow is read',
      'Keep one time window per SLO.',
    );
  const match = DURATION.exec(String(first.duration ?? ''));
  const path = ['spec', 'timeWindow', 0];
  if (!match) {
    report.error(
      [...path, 'duration'],
      'openslo-window',
      `the duration ${JSON.stringify(first.duration)} is not OpenSLO's shorthand (e.g. 28d, 4w, 1M)`,
      'Write the duration as a count and a unit: 28d, 4w or 1M.',
    );
    return undefined;
  }
  const count = Number(match[1]);
  const unit = match[2];
  const calendar = first.isRolling === false;
  if (calendar) {
    const zone =
      isRecord(first.calendar) && typeof first.calendar.timeZone === 'string' ? first.calendar.timeZone : 'UTC';
    if (unit === 'M' && count === 1) {
      if (isRecord(first.calendar) && first.calendar.startTime !== undefined)
        report.warn(
          [...path, 'calendar', 'startTime'],
          'openslo-window',
          'a calendar month starts on the first of the month: startTime is not used',
          'Remove startTime.',
        );
      return { calendar: 'month', timeZone: zone };
    }
    report.warn(
      [...path, 'isRolling'],
      'openslo-window',
      `calendar windows of ${count}${unit} are read as rolling ones: Atrium's calendar windows are months`,
      'Use duration: 1M for a calendar month, or isRolling: true.',
    );
  }
  const days = unit === 'd' ? count : unit === 'w' ? count * 7 : unit === 'M' && count === 1 ? 30 : undefined;
  if (days === undefined || days > 365) {
    report.error(
      [...path, 'duration'],
      'openslo-window',
      `a ${count}${unit} window is not read: Atrium's windows are whole days up to a year`,
      'Use days or weeks, e.g. 28d or 4w.',
    );
    return undefined;
  }
  if (unit === 'M')
    report.warn([...path, 'duration'], 'openslo-window', 'a rolling 1M window is read as 30d', 'Write 30d to say so.');
  return `${days}d`;
}

/** The objective from `objectives[0]` as a percentage, exactly. */
function objectiveOf(spec: Record<string, unknown>, report: ReturnType<typeof issuesFor>): string | undefined {
  const objectives = Array.isArray(spec.objectives) ? spec.objectives : [];
  const first = objectives[0];
  if (!isRecord(first)) {
    report.error(
      ['spec', 'objectives'],
      'openslo-objective',
      'the SLO has no objectives',
      'Add objectives: [{target: 0.999}].',
    );
    return undefined;
  }
  if (objectives.length > 1)
    report.warn(
      ['spec', 'objectives', 1],
      'openslo-objective',
      'only the first objective is read: an Atrium SLO has one objective',
      'Split the objectives into one SLO each.',
    );
  const path = ['spec', 'objectives', 0];
  for (const field of [
    'op',
    'value',
    'timeSliceTarget',
    'timeSliceWindow',
    'indicator',
    'indicatorRef',
    'compositeWeight',
  ])
    if (first[field] !== undefined)
      report.warn(
        [...path, field],
        'openslo-ignored',
        `objectives[0].${field} is not honoured`,
        'Atrium counts good and total events over the window (budgeting method Occurrences).',
      );
  const read = (value: unknown) => (typeof value === 'number' || typeof value === 'string' ? exact(value) : undefined);
  const target = first.target === undefined ? undefined : read(first.target);
  const percent = first.targetPercent === undefined ? undefined : read(first.targetPercent);
  if (target && percent === undefined) return formatExact(mul(target, { num: 100n, den: 1n }));
  if (percent && target === undefined) return formatExact(percent);
  report.error(
    path,
    'openslo-objective',
    'an objective needs either target (0 to 1) or targetPercent (0 to 100), as a number',
    'For 99.9 %, write target: 0.999 or targetPercent: 99.9.',
  );
  return undefined;
}

function translateSlo(
  doc: Record<string, unknown>,
  source: number,
  context: Context,
  issues: Issue[],
): Made | undefined {
  const report = issuesFor(issues, source);
  const metadata = metadataOf(doc);
  const spec = isRecord(doc.spec) ? doc.spec : undefined;
  const name = metadata.name;
  if (typeof name !== 'string' || !spec) {
    report.error(
      typeof name === 'string' ? ['spec'] : ['metadata', 'name'],
      'openslo-invalid',
      'an OpenSLO SLO needs metadata.name and a spec',
      'See the OpenSLO v1 specification.',
    );
    return undefined;
  }
  if (typeof spec.service !== 'string' || spec.service === '') {
    report.error(
      ['spec', 'service'],
      'openslo-service',
      'the SLO names no service',
      'Name the catalog Component it measures: service: shipment-service.',
    );
    return undefined;
  }
  // The indicator: inline, or an SLI of this file by name.
  let sli: Record<string, unknown> | undefined;
  let sliPath: Path = ['spec', 'indicator'];
  if (isRecord(spec.indicator)) sli = isRecord(spec.indicator.spec) ? spec.indicator.spec : undefined;
  else if (typeof spec.indicatorRef === 'string') {
    const index = context.byKind.get('SLI')?.get(spec.indicatorRef);
    if (index === undefined) {
      report.error(
        ['spec', 'indicatorRef'],
        'openslo-indicator-ref',
        `no SLI named ${spec.indicatorRef} in this file`,
        'Atrium resolves indicatorRef within the file: put the SLI document beside the SLO (separated by ---), or inline it as indicator.',
      );
      return undefined;
    }
    const sliDoc = context.documents[index] as Record<string, unknown>;
    sli = isRecord(sliDoc.spec) ? sliDoc.spec : undefined;
    sliPath = ['spec', 'indicatorRef'];
  }
  if (!sli) {
    report.error(
      ['spec'],
      'openslo-indicator',
      'the SLO has no indicator (inline, or indicatorRef to an SLI)',
      'Add indicator: {metadata: {name: ...}, spec: {ratioMetric: ...}}.',
    );
    return undefined;
  }
  const ratio = isRecord(sli.ratioMetric) ? sli.ratioMetric : undefined;
  const ratioPath = sliPath[1] === 'indicator' ? [...sliPath, 'spec', 'ratioMetric'] : sliPath;
  if (!ratio) {
    report.error(
      sliPath,
      'openslo-threshold-metric',
      sli.thresholdMetric !== undefined
        ? 'a thresholdMetric SLI is not read: Atrium counts good and total events (a ratioMetric)'
        : 'the SLI has no ratioMetric',
      'Write the SLI as a ratioMetric with good (or bad) and total Prometheus queries; for latency use a histogram bucket as good.',
    );
    return undefined;
  }
  if (ratio.raw !== undefined || ratio.rawType !== undefined) {
    report.error(
      [...ratioPath, 'raw'],
      'openslo-raw-ratio',
      'a precomputed (raw) ratio cannot be counted per window',
      'Give good (or bad) and total queries instead of raw.',
    );
    return undefined;
  }
  const total = metricQuery(ratio, 'total', ratioPath, context, report);
  const part = ratio.good !== undefined ? 'good' : 'bad';
  const counted = metricQuery(ratio, part, ratioPath, context, report);
  const window = windowOf(spec, report);
  const objective = objectiveOf(spec, report);
  if (!total || !counted || window === undefined || objective === undefined) return undefined;

  if (spec.budgetingMethod !== undefined && spec.budgetingMethod !== 'Occurrences')
    report.warn(
      ['spec', 'budgetingMethod'],
      'openslo-budgeting',
      `budgetingMethod ${String(spec.budgetingMethod)} is read as Occurrences`,
      'Atrium counts good and total events over the window; time slices are not computed.',
    );
  if (Array.isArray(spec.alertPolicies) && spec.alertPolicies.length > 0)
    report.warn(
      ['spec', 'alertPolicies'],
      'openslo-alert-policies',
      "alert policies are not used: Atrium alerts with multi-window burn rates (SRE workbook) and sends them to the team's receivers",
      'Remove alertPolicies, or keep them for other tools; set receivers in atrium.yaml or on the Group.',
    );
  const sourceName = total.source ?? counted.source;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  const annotations: Record<string, string> = { [FORMAT_ANNOTATION]: OPENSLO_API_VERSION };
  if (isRecord(metadata.annotations))
    for (const [key, value] of Object.entries(metadata.annotations))
      if (typeof value === 'string') annotations[key] = value;
  if (metadata.labels !== undefined)
    report.warn(
      ['metadata', 'labels'],
      'openslo-ignored',
      'OpenSLO labels are not kept',
      "Catalog labels are string pairs under an atrium.dev/v1 descriptor's metadata.labels.",
    );
  const value = {
    apiVersion: SLO_API_VERSION,
    kind: 'SLO',
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      ...(typeof metadata.displayName === 'string' && metadata.displayName !== ''
        ? { title: metadata.displayName }
        : {}),
      annotations,
    },
    spec: {
      service: spec.service,
      ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
      objective,
      window,
      indicator: { ratio: { [part === 'good' ? 'good' : 'errors']: counted.template, total: total.template } },
      ...(sourceName ? { source: sourceName } : {}),
    },
  };
  const indicatorOrigin = sliPath[1] === 'indicator' ? ratioPath : sliPath;
  return {
    value,
    source,
    origin: originOf([
      [
        ['metadata', 'title'],
        ['metadata', 'displayName'],
      ],
      [
        ['spec', 'objective'],
        ['spec', 'objectives', 0],
      ],
      [
        ['spec', 'window'],
        ['spec', 'timeWindow', 0],
      ],
      [
        ['spec', 'indicator', 'ratio', 'good'],
        [...indicatorOrigin, 'good', 'metricSource', 'spec', 'query'],
      ],
      [
        ['spec', 'indicator', 'ratio', 'errors'],
        [...indicatorOrigin, 'bad', 'metricSource', 'spec', 'query'],
      ],
      [
        ['spec', 'indicator', 'ratio', 'total'],
        [...indicatorOrigin, 'total', 'metricSource', 'spec', 'query'],
      ],
      [['spec', 'indicator'], indicatorOrigin],
      [
        ['spec', 'source'],
        [...indicatorOrigin, 'total', 'metricSource', 'metricSourceRef'],
      ],
    ]),
  };
}

const READ_KINDS = new Set([
  'SLO',
  'SLI',
  'AlertPolicy',
  'AlertCondition',
  'AlertNotificationTarget',
  'DataSource',
  'Service',
]);

export function translateOpenSlo(documents: readonly unknown[]): DialectTranslation {
  const issues: Issue[] = [];
  const made: Made[] = [];
  const byKind = new Map<string, Map<string, number>>();
  documents.forEach((doc, i) => {
    if (!isRecord(doc) || typeof doc.kind !== 'string') return;
    const name = metadataOf(doc).name;
    if (typeof name !== 'string') return;
    const names = byKind.get(doc.kind) ?? new Map<string, number>();
    if (!names.has(name)) names.set(name, i);
    byKind.set(doc.kind, names);
  });
  const context = { byKind, documents };
  documents.forEach((doc, source) => {
    const report = issuesFor(issues, source);
    if (!isRecord(doc) || typeof doc.kind !== 'string' || !READ_KINDS.has(doc.kind)) {
      report.error(
        ['kind'],
        'openslo-kind',
        `OpenSLO v1 has no kind ${JSON.stringify(isRecord(doc) ? doc.kind : undefined)} that Atrium reads`,
        `Use one of ${[...READ_KINDS].join(', ')}.`,
      );
      return;
    }
    const name = metadataOf(doc).name;
    if (typeof name !== 'string' || !isDnsName(name)) {
      report.error(
        ['metadata', 'name'],
        'openslo-name',
        `${JSON.stringify(name)} is not an OpenSLO name (lowercase letters, digits and -, at most 63)`,
        'Name the object like a DNS label, e.g. checkout-availability.',
      );
      return;
    }
    if (doc.kind === 'SLO') {
      const slo = translateSlo(doc, source, context, issues);
      if (slo) made.push(slo);
    } else if (doc.kind === 'AlertNotificationTarget')
      report.warn(
        ['spec'],
        'openslo-notification-target',
        "notification targets are not read from catalog files: receivers are Atrium configuration (atrium.yaml or the team's Group)",
        "Configure the team's receivers in atrium.yaml; keep URLs and keys out of repositories.",
      );
    else if (doc.kind === 'DataSource' && isRecord(doc.spec) && doc.spec.connectionDetails !== undefined)
      report.warn(
        ['spec', 'connectionDetails'],
        'openslo-data-source',
        `connection details are not read: the Prometheus source named ${name} is configured in atrium.yaml (prometheus.${name})`,
        'Configure the source in atrium.yaml; keep credentials out of repositories.',
      );
    else if (doc.kind === 'Service')
      report.warn(
        ['kind'],
        'openslo-service-kind',
        `an OpenSLO Service is not an entity: SLOs name the catalog Component ${name}`,
        'Describe the service as a catalog Component (backstage.io/v1alpha1).',
      );
  });
  return { documents: made, issues };
}

export const openSloDialect: KindDialect = {
  name: 'OpenSLO v1',
  recognizes: (value) => isRecord(value) && value.apiVersion === OPENSLO_API_VERSION,
  translate: translateOpenSlo,
};

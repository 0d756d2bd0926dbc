import type { DialectTranslation, KindDialect } from '../catalog/kinds.ts';
import { exact, formatExact } from './exact.ts';
import { SLO_API_VERSION } from './model.ts';
import { FORMAT_ANNOTATION, isRecord, issuesFor, originOf, windowTemplate } from './openslo-dialect.ts';

/**
 * Sloth's SLO files read as Atrium's SLO kind: the plain `version: prometheus/v1` file
 * and the Kubernetes `PrometheusServiceLevel` (`apiVersion: sloth.slok.dev/v1`, the same
 * fields in camelCase under spec). Each of `slos` becomes one SLO entity named as Sloth
 * names its rules' SLO id, `<service>-<name>`, over Sloth's default 30-day window. Event
 * queries (`{{.window}}`) are read; alert names, labels, annotations and `for` are
 * warnings (Atrium's alerts go to the team's receivers); raw ratios and plugins are
 * errors that leave that SLO out. Pure.
 */

export const SLOTH_PLAIN_VERSION = 'prometheus/v1';
export const SLOTH_API_VERSION = 'sloth.slok.dev/v1';

type Issue = DialectTranslation['issues'][number];
type Made = DialectTranslation['documents'][number];

/** Reads a field in either spelling: Sloth's plain files are snake_case, its Kubernetes resource camelCase. */
function field(record: Record<string, unknown>, snake: string): [unknown, string] {
  const camel = snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return record[snake] !== undefined ? [record[snake], snake] : [record[camel], camel];
}

function translateFile(doc: Record<string, unknown>, source: number, issues: Issue[]): Made[] {
  const report = issuesFor(issues, source);
  const kubernetes = doc.apiVersion === SLOTH_API_VERSION;
  if (kubernetes && doc.kind !== 'PrometheusServiceLevel') {
    report.error(
      ['kind'],
      'sloth-kind',
      `${SLOTH_API_VERSION} has no kind ${JSON.stringify(doc.kind)} that Atrium reads`,
      'Use kind: PrometheusServiceLevel.',
    );
    return [];
  }
  const base: readonly PropertyKey[] = kubernetes ? ['spec'] : [];
  const spec = kubernetes ? doc.spec : doc;
  if (!isRecord(spec)) {
    report.error(base, 'sloth-invalid', 'the file has no spec', "See Sloth's prometheus/v1 specification.");
    return [];
  }
  const service = spec.service;
  if (typeof service !== 'string' || service === '') {
    report.error(
      [...base, 'service'],
      'sloth-service',
      'the file names no service',
      'Name the catalog Component: service: myservice.',
    );
    return [];
  }
  if (spec.labels !== undefined)
    report.warn(
      [...base, 'labels'],
      'sloth-ignored',
      "labels are not kept: they label Sloth's generated rules",
      "An SLO's owner is its service's owner in the catalog (or spec.owner of an atrium.dev/v1 SLO).",
    );
  const [plugins, pluginsKey] = field(spec, 'slo_plugins');
  if (plugins !== undefined)
    report.warn(
      [...base, pluginsKey],
      'sloth-ignored',
      'SLO plugins are not run',
      'Atrium generates its own rules (atrium slo rules).',
    );
  const slos = Array.isArray(spec.slos) ? spec.slos : [];
  if (slos.length === 0)
    report.error(
      [...base, 'slos'],
      'sloth-slos',
      'the file declares no slos',
      'Add slos: [{name: ..., objective: 99.9, sli: ...}].',
    );
  const made: Made[] = [];
  slos.forEach((slo, i) => {
    const at = [...base, 'slos', i];
    if (!isRecord(slo)) {
      report.error(at, 'sloth-invalid', 'an SLO must be a mapping', 'Write name, objective and sli.');
      return;
    }
    const name = typeof slo.name === 'string' ? slo.name : undefined;
    if (!name) {
      report.error(at, 'sloth-name', 'the SLO has no name', 'Add name: requests-availability.');
      return;
    }
    const objective =
      typeof slo.objective === 'number' || typeof slo.objective === 'string' ? exact(slo.objective) : undefined;
    if (!objective) {
      report.error(
        [...at, 'objective'],
        'sloth-objective',
        `the objective ${String(slo.objective).slice(0, 40)} is not a number`,
        'Write the objective as a percentage, e.g. 99.9.',
      );
      return;
    }
    const sli = isRecord(slo.sli) ? slo.sli : {};
    if (sli.raw !== undefined || sli.plugin !== undefined) {
      const kind = sli.raw !== undefined ? 'raw' : 'plugin';
      report.error(
        [...at, 'sli', kind],
        'sloth-sli',
        `a ${kind} SLI is not read: Atrium counts error and total events`,
        'Write the SLI as events: {error_query, total_query}.',
      );
      return;
    }
    const events = isRecord(sli.events) ? sli.events : undefined;
    if (!events) {
      report.error(
        [...at, 'sli'],
        'sloth-sli',
        'the SLO has no sli.events',
        'Add sli: {events: {error_query: ..., total_query: ...}}.',
      );
      return;
    }
    const [errorQuery, errorKey] = field(events, 'error_query');
    const [totalQuery, totalKey] = field(events, 'total_query');
    const errors = typeof errorQuery === 'string' ? windowTemplate(errorQuery, false) : undefined;
    const total = typeof totalQuery === 'string' ? windowTemplate(totalQuery, false) : undefined;
    if (!errors || !total) {
      report.error(
        [...at, 'sli', 'events', errors ? totalKey : errorKey],
        'sloth-query',
        'error_query and total_query must be PromQL with {{.window}} as the range',
        'For example sum(rate(http_requests_total{code=~"5.."}[{{.window}}])).',
      );
      return;
    }
    const alerting = isRecord(slo.alerting) ? slo.alerting : {};
    const alertingSpec: Record<string, boolean> = {};
    for (const key of ['name', 'labels', 'annotations'])
      if (alerting[key] !== undefined)
        report.warn(
          [...at, 'alerting', key],
          'sloth-alerting',
          `alerting.${key} is not used: Atrium's alerts go to the owning team's receivers`,
          "Configure receivers in atrium.yaml or on the team's Group.",
        );
    for (const [snake, severity] of [
      ['page_alert', 'page'],
      ['ticket_alert', 'ticket'],
    ] as const) {
      const [alert, key] = field(alerting, snake);
      if (!isRecord(alert)) continue;
      if (alert.disable === true) alertingSpec[severity] = false;
      for (const extra of ['labels', 'annotations', 'for'])
        if (alert[extra] !== undefined)
          report.warn(
            [...at, 'alerting', key, extra],
            'sloth-alerting',
            `alerting.${key}.${extra} is not used`,
            'Atrium pages when both windows of a burn-rate pair exceed it; receivers are configured per team.',
          );
    }
    if (slo.labels !== undefined)
      report.warn(
        [...at, 'labels'],
        'sloth-ignored',
        'SLO labels are not kept',
        "They label Sloth's generated rules; Atrium's rules carry the SLO's name and service.",
      );
    made.push({
      value: {
        apiVersion: SLO_API_VERSION,
        kind: 'SLO',
        metadata: {
          name: `${service}-${name}`,
          annotations: { [FORMAT_ANNOTATION]: kubernetes ? SLOTH_API_VERSION : SLOTH_PLAIN_VERSION },
        },
        spec: {
          service,
          ...(typeof slo.description === 'string' ? { description: slo.description } : {}),
          objective: formatExact(objective),
          window: '30d',
          indicator: { ratio: { errors, total } },
          ...(Object.keys(alertingSpec).length > 0 ? { alerting: alertingSpec } : {}),
        },
      },
      source,
      origin: originOf([
        [
          ['metadata', 'name'],
          [...at, 'name'],
        ],
        [['metadata'], at],
        [
          ['spec', 'service'],
          [...base, 'service'],
        ],
        [
          ['spec', 'indicator', 'ratio', 'errors'],
          [...at, 'sli', 'events', errorKey],
        ],
        [
          ['spec', 'indicator', 'ratio', 'total'],
          [...at, 'sli', 'events', totalKey],
        ],
        [
          ['spec', 'indicator'],
          [...at, 'sli', 'events'],
        ],
        [
          ['spec', 'alerting'],
          [...at, 'alerting'],
        ],
        [['spec'], at],
      ]),
    });
  });
  return made;
}

export function translateSloth(documents: readonly unknown[]): DialectTranslation {
  const issues: Issue[] = [];
  const made: Made[] = [];
  documents.forEach((doc, source) => {
    if (isRecord(doc)) made.push(...translateFile(doc, source, issues));
  });
  return { documents: made, issues };
}

export const slothDialect: KindDialect = {
  name: 'Sloth',
  recognizes: (value) =>
    isRecord(value) &&
    (value.apiVersion === SLOTH_API_VERSION ||
      (value.version === SLOTH_PLAIN_VERSION && value.apiVersion === undefined)),
  translate: translateSloth,
};

import type { SloDefinition } from './model.ts';
import { serviceName } from './openslo-export.ts';
import { indicatorQueries, WINDOW_PLACEHOLDER } from './prometheus-query.ts';
import { SLOTH_PLAIN_VERSION } from './sloth-dialect.ts';

/**
 * SLO definitions written back as Sloth's plain `prometheus/v1` files, one per service:
 * error and total queries with Sloth's `{{.window}}` (a good-events query becomes
 * total − good), the objective as a number, a disabled page or ticket alert as
 * `disable: true`. Sloth's period is a command-line setting, so SLOs whose window is not
 * 30 days are listed in `notes`; indicators without PromQL are listed in `skipped`. Pure.
 */

const slothTemplate = (query: string) => query.split(WINDOW_PLACEHOLDER).join('{{.window}}');

/** PascalCase of an SLO id, for Sloth's required alert name. */
function alertName(id: string): string {
  return `${id.replace(/(^|[^a-zA-Z0-9])([a-zA-Z0-9])/g, (_m, _s, c: string) => c.toUpperCase()).replace(/[^a-zA-Z0-9]/g, '')}BurnRate`;
}

export function slothDocuments(slos: readonly SloDefinition[]): {
  documents: unknown[];
  skipped: string[];
  notes: string[];
} {
  const byService = new Map<string, unknown[]>();
  const skipped: string[] = [];
  const notes: string[] = [];
  for (const slo of slos) {
    if (slo.indicator.type !== 'ratio' && slo.indicator.type !== 'latency') {
      skipped.push(slo.key);
      continue;
    }
    if (slo.window.kind !== 'rolling' || slo.window.days !== 30)
      notes.push(`${slo.key}: its window is not 30 days; run sloth generate with --default-slo-period to match`);
    const service = serviceName(slo);
    const name = slo.name.startsWith(`${service}-`) ? slo.name.slice(service.length + 1) : slo.name;
    const queries = indicatorQueries(slo.indicator);
    const errors = queries.errors ?? `(${queries.total}) - (${queries.good ?? ''})`;
    const severities = new Set(slo.alerting.pairs.map((p) => p.severity));
    const entry = {
      name,
      objective: Number(slo.objective),
      ...(slo.description ? { description: slo.description } : {}),
      sli: { events: { error_query: slothTemplate(errors), total_query: slothTemplate(queries.total) } },
      alerting: {
        name: alertName(`${service}-${name}`),
        ...(severities.has('page') ? {} : { page_alert: { disable: true } }),
        ...(severities.has('ticket') ? {} : { ticket_alert: { disable: true } }),
      },
    };
    byService.set(service, [...(byService.get(service) ?? []), entry]);
  }
  const documents = [...byService].map(([service, entries]) => ({
    version: SLOTH_PLAIN_VERSION,
    service,
    slos: entries,
  }));
  return { documents, skipped, notes };
}

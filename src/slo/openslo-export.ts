import { div, exactOf, formatExact } from './exact.ts';
import type { SloDefinition } from './model.ts';
import { indicatorQueries } from './prometheus-query.ts';
import { OPENSLO_API_VERSION } from './openslo-dialect.ts';

/**
 * SLO definitions written back as OpenSLO v1 `SLO` documents (the shape openslo-dialect.ts
 * reads): the SLI inline as a Prometheus ratio metric whose queries keep `{{window}}`, the
 * objective as `target` (exact decimal text read as a number), the window rolling or a
 * calendar month. Indicators that are not PromQL (pushed events, checks) have no OpenSLO
 * form and are listed in `skipped`. Pure.
 */

/** The service's entity name, as OpenSLO's `service` names it. */
export function serviceName(slo: SloDefinition): string {
  return slo.service.slice(slo.service.lastIndexOf('/') + 1);
}

export function openSloDocuments(slos: readonly SloDefinition[]): { documents: unknown[]; skipped: string[] } {
  const documents: unknown[] = [];
  const skipped: string[] = [];
  for (const slo of slos) {
    if (slo.indicator.type !== 'ratio' && slo.indicator.type !== 'latency') {
      skipped.push(slo.key);
      continue;
    }
    const queries = indicatorQueries(slo.indicator);
    const metric = (query: string) => ({ metricSource: { type: 'Prometheus', spec: { query } } });
    const window =
      slo.window.kind === 'rolling'
        ? { duration: `${slo.window.days}d`, isRolling: true }
        : {
            duration: '1M',
            isRolling: false,
            calendar: { startTime: '2020-01-01 00:00:00', timeZone: slo.window.timeZone },
          };
    documents.push({
      apiVersion: OPENSLO_API_VERSION,
      kind: 'SLO',
      metadata: {
        name: slo.name,
        ...(slo.namespace === 'default' ? {} : { namespace: slo.namespace }),
        ...(slo.title ? { displayName: slo.title } : {}),
      },
      spec: {
        ...(slo.description ? { description: slo.description } : {}),
        service: serviceName(slo),
        indicator: {
          metadata: { name: `${slo.name}-sli`.slice(0, 63).replace(/-+$/, '') },
          spec: {
            ratioMetric: {
              counter: true,
              ...(queries.errors !== undefined
                ? { bad: metric(queries.errors) }
                : { good: metric(queries.good ?? '') }),
              total: metric(queries.total),
            },
          },
        },
        timeWindow: [window],
        budgetingMethod: 'Occurrences',
        objectives: [{ target: Number(formatExact(div(exactOf(slo.objective), exactOf(100)), 15)) }],
      },
    });
  }
  return { documents, skipped };
}

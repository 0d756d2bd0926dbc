import { z } from 'zod';
import type { KindDefinition, SpecIssue } from '../catalog/kinds.ts';
import type { Entity } from '../catalog/model.ts';
import { OWNER_REFERENCE } from '../catalog/relations.ts';
import { isTimeZone } from '../oncall/wall-clock.ts';
import { parseEntityRef, refKey } from '../platform/entity-ref.ts';
import { compare, exact, exactOf, formatExact } from './exact.ts';
import {
  DEFAULT_ALERT_PAIRS,
  DEFAULT_MIN_EVENTS,
  SLO_API_VERSION,
  type SloDefinition,
  type SloIndicator,
  type SloWindow,
} from './model.ts';
import { openSloDialect } from './openslo-dialect.ts';
import { indicatorProblem } from './prometheus-query.ts';
import { slothDialect } from './sloth-dialect.ts';

/**
 * PROVISIONAL: the `SLO` kind (atrium.dev/v1) as the issue's interface spells it, so the
 * formats' translations, `atrium slo rules` and `atrium slo export` have a kind to read on
 * this branch. The slo capability's own kind and spec-to-definition mapping replace this
 * file at merge; what they must keep is `dialects: [openSloDialect, slothDialect]` and the
 * spec fields the translations write (service, owner, description, objective, window,
 * indicator.ratio|latency|events|checks, source, alerting.page|ticket|minEvents). Pure.
 */

const text = z.string().min(1).max(200);
const decimal = z.union([z.number(), z.string().min(1).max(40)]);
const query = z.string().min(1);

export const sloSpec = z.looseObject({
  service: text,
  owner: text.optional(),
  description: z.string().max(2000).optional(),
  objective: decimal,
  window: z.union([text, z.looseObject({ calendar: z.literal('month'), timeZone: text })]),
  indicator: z.looseObject({
    ratio: z
      .looseObject({
        good: query.optional(),
        errors: query.optional(),
        total: query,
        grouping: z.array(text).max(10).optional(),
      })
      .optional(),
    latency: z.looseObject({ metric: text, threshold: decimal, selector: z.string().optional() }).optional(),
    events: z.looseObject({}).optional(),
    checks: z.looseObject({ names: z.array(text).min(1).max(100) }).optional(),
  }),
  source: text.optional(),
  alerting: z
    .looseObject({
      page: z.boolean().optional(),
      ticket: z.boolean().optional(),
      minEvents: z.number().int().min(0).max(1e9).optional(),
    })
    .optional(),
});
export type SloSpec = z.infer<typeof sloSpec>;

const ROLLING = /^(\d{1,3})d$/;

/** A spec's window, or undefined when it is not one (the issues say why). */
export function windowOf(window: SloSpec['window']): SloWindow | undefined {
  if (typeof window !== 'string')
    return isTimeZone(window.timeZone) ? { kind: 'calendar', unit: 'month', timeZone: window.timeZone } : undefined;
  const days = Number(ROLLING.exec(window)?.[1]);
  return days >= 1 && days <= 365 ? { kind: 'rolling', days } : undefined;
}

/** A spec's indicator as the model has it (the spec names exactly one). */
export function indicatorOf(indicator: SloSpec['indicator']): SloIndicator | undefined {
  const { ratio, latency, events, checks } = indicator;
  if ([ratio, latency, events, checks].filter((i) => i !== undefined).length !== 1) return undefined;
  if (ratio)
    return {
      type: 'ratio',
      total: ratio.total,
      ...(ratio.good === undefined ? {} : { good: ratio.good }),
      ...(ratio.errors === undefined ? {} : { errors: ratio.errors }),
      ...(ratio.grouping ? { grouping: ratio.grouping } : {}),
    };
  if (latency)
    return {
      type: 'latency',
      metric: latency.metric,
      thresholdSeconds: String(latency.threshold),
      ...(latency.selector === undefined ? {} : { selector: latency.selector }),
    };
  if (checks) return { type: 'checks', checks: checks.names };
  return { type: 'events' };
}

function sloIssues(_name: string, value: unknown): SpecIssue[] {
  const spec = value as SloSpec;
  const issues: SpecIssue[] = [];
  const objective = exact(spec.objective);
  if (!objective || compare(objective, exactOf(0)) <= 0 || compare(objective, exactOf(100)) >= 0)
    issues.push({
      path: ['objective'],
      code: 'slo-objective',
      message: `the objective ${String(spec.objective)} is not a percentage between 0 and 100 (exclusive)`,
      hint: 'Write the objective as a percentage, e.g. 99.9.',
    });
  if (!windowOf(spec.window))
    issues.push({
      path: ['window'],
      code: 'slo-window',
      message: `the window ${JSON.stringify(spec.window)} is neither a rolling number of days (1 to 365) nor a calendar month in a known time zone`,
      hint: 'Use a rolling window such as 28d or 30d, or {calendar: month, timeZone: Europe/Paris}.',
    });
  const indicator = indicatorOf(spec.indicator);
  if (!indicator)
    issues.push({
      path: ['indicator'],
      code: 'slo-indicator',
      message: 'the indicator must name exactly one of ratio, latency, events or checks',
      hint: 'For example indicator: {ratio: {errors: ..., total: ...}}.',
    });
  else if (indicator.type === 'ratio' || indicator.type === 'latency') {
    const problem = indicatorProblem(indicator);
    if (problem)
      issues.push({
        path: ['indicator', indicator.type],
        code: 'slo-query',
        message: problem,
        hint: 'Queries are PromQL with {{window}} as the range, e.g. sum(rate(http_requests_total{code=~"5.."}[{{window}}])).',
      });
  }
  return issues;
}

export const provisionalSloKind: KindDefinition = {
  kind: 'SLO',
  apiVersions: [SLO_API_VERSION],
  spec: sloSpec,
  issues: sloIssues,
  references: [OWNER_REFERENCE, { field: 'service', relation: 'sloOf', defaultKind: 'Component' }],
  relationPairs: [['sloOf', 'hasSlo']],
  dialects: [openSloDialect, slothDialect],
};

/**
 * A valid SLO entity as the model's definition; the owner is the spec's, else the one
 * `ownerOf` finds for the service (its owner in the catalog).
 */
export function sloDefinitionOf(
  entity: Entity,
  ownerOf: (serviceKey: string) => string | undefined,
): SloDefinition | undefined {
  const spec = entity.spec as SloSpec;
  const window = windowOf(spec.window);
  const indicator = indicatorOf(spec.indicator);
  const objective = exact(spec.objective);
  if (!window || !indicator || !objective) return undefined;
  const namespace = entity.metadata.namespace ?? 'default';
  const service = refKey(parseEntityRef(spec.service, { defaultKind: 'Component', defaultNamespace: namespace }));
  const ownerRef = spec.owner ?? ownerOf(service);
  const owner = ownerRef ? refKey(parseEntityRef(ownerRef, { defaultKind: 'Group', defaultNamespace: namespace })) : '';
  const pairs = DEFAULT_ALERT_PAIRS.filter((p) => spec.alerting?.[p.severity] !== false);
  return {
    key: `slo:${namespace}/${entity.metadata.name}`.toLowerCase(),
    namespace,
    name: entity.metadata.name,
    ...(entity.metadata.title ? { title: entity.metadata.title } : {}),
    ...((spec.description ?? entity.metadata.description)
      ? { description: spec.description ?? entity.metadata.description }
      : {}),
    service,
    owner,
    objective: formatExact(objective),
    window,
    indicator,
    alerting: { pairs, minEvents: spec.alerting?.minEvents ?? DEFAULT_MIN_EVENTS },
    ...(spec.source ? { source: spec.source } : {}),
  };
}

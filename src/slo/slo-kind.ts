import { z } from 'zod';
import type { KindDefinition } from '../catalog/kinds.ts';
import { OWNER_REFERENCE } from '../catalog/relations.ts';
import { BURN_WINDOWS, SLO_API_VERSION } from './model.ts';
import { openSloDialect } from './openslo-dialect.ts';
import {
  MAX_ALERT_PAIRS,
  MAX_CHECKS,
  MAX_GROUPING,
  MAX_MIN_EVENTS,
  MAX_QUERY,
  type SloSpec,
  sloSpecIssues,
} from './slo-definition.ts';
import { slothDialect } from './sloth-dialect.ts';

/**
 * The catalog's `SLO` kind (`apiVersion: atrium.dev/v1`): a service-level objective of one
 * service, declared beside it. Its shape is checked here (lengths bounded, so a hostile file
 * costs little); objectives, windows, queries and alert windows by sloSpecIssues. The
 * service is a reference: a missing one is a dangling reference at its line. OpenSLO and
 * Sloth files are read as documents of this kind through its dialects. Pure.
 */

const text = z.string().min(1).max(200);
/** Queries are bounded twice: a little above MAX_QUERY here (so a huge one is refused before anything reads it), exactly by sloSpecIssues. */
const query = z
  .string()
  .min(1)
  .max(MAX_QUERY * 4);
const decimal = z.union([z.string().max(64), z.number()]);

const sloSpec = z.looseObject({
  service: text,
  owner: text.optional(),
  description: z.string().max(2000).optional(),
  objective: decimal,
  window: z.union([
    z.string().max(10),
    z.strictObject({ calendar: z.literal('month'), timeZone: z.string().min(1).max(64) }),
  ]),
  indicator: z.strictObject({
    ratio: z
      .strictObject({
        good: query.optional(),
        errors: query.optional(),
        total: query,
        grouping: z.array(z.string().max(200)).max(MAX_GROUPING).optional(),
      })
      .optional(),
    latency: z
      .strictObject({
        metric: text,
        threshold: z.union([z.string().max(32), z.number()]),
        selector: z
          .string()
          .max(MAX_QUERY * 4)
          .optional(),
      })
      .optional(),
    events: z.strictObject({}).optional(),
    checks: z.strictObject({ names: z.array(text).max(MAX_CHECKS) }).optional(),
  }),
  source: text.optional(),
  alerting: z
    .strictObject({
      page: z.boolean().optional(),
      ticket: z.boolean().optional(),
      minEvents: z.number().int().min(1).max(MAX_MIN_EVENTS).optional(),
      pairs: z
        .array(
          z.strictObject({
            severity: z.enum(['page', 'ticket']),
            long: z.enum(BURN_WINDOWS),
            short: z.enum(BURN_WINDOWS),
            budgetConsumed: decimal,
          }),
        )
        .min(1)
        .max(MAX_ALERT_PAIRS)
        .optional(),
    })
    .optional(),
});

export const sloKind: KindDefinition = {
  kind: 'SLO',
  apiVersions: [SLO_API_VERSION],
  spec: sloSpec,
  // Called only with a spec the schema above accepted, so it has an SloSpec's shape.
  issues: (_name, spec) => sloSpecIssues(spec as SloSpec),
  references: [OWNER_REFERENCE, { field: 'service', relation: 'measures', defaultKind: 'Component' }],
  // An SLO and the service whose events it measures.
  relationPairs: [['measures', 'measuredBy']],
  // OpenSLO v1 and Sloth files in the catalog, translated into SLO documents validated like this kind's own.
  dialects: [openSloDialect, slothDialect],
  cards: [
    // A service's page shows its SLOs in the Health card (slo/sections.ts), with their budgets.
    {
      page: 'SLO',
      id: 'slo-of',
      title: 'Measures',
      groups: [
        ['Service', 'measures'],
        ['Owner', 'ownedBy'],
      ],
    },
  ],
};

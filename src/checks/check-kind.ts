import { z } from 'zod';
import type { KindDefinition } from '../catalog/kinds.ts';
import { OWNER_REFERENCE } from '../catalog/relations.ts';
import {
  type CheckSpec,
  checkSpecIssues,
  MAX_ASSERTIONS,
  MAX_BODY,
  MAX_LOCATIONS,
  MAX_MAINTENANCE,
  MAX_RETRIES,
  MAX_SCRIPT,
  MAX_THRESHOLD,
} from './check-definition.ts';
import { MAX_ASSERTION } from './assertions.ts';
import { CHECK_API_VERSION, CHECK_TYPES, DNS_RECORD_TYPES, HTTP_METHODS } from './model.ts';

/**
 * The catalog's `Check` kind (`apiVersion: atrium.dev/v1`): a synthetic check of one
 * service, declared beside it. Its shape is checked here (every string and list bounded,
 * so a hostile file costs little; unknown fields in the request sections refused, so a
 * misspelt `asertions` is an error, not a check that asserts nothing); URLs, durations,
 * assertions and secrets by checkSpecIssues. The service is a reference: a missing one is a
 * dangling reference at its line. Pure.
 */

const text = z.string().min(1).max(200);
const duration = z.string().min(1).max(32);
const port = z.number().int().min(1).max(65535);

const checkSpec = z.looseObject({
  service: text,
  owner: text.optional(),
  type: z.enum(CHECK_TYPES),
  interval: duration.optional(),
  locations: z.union([z.literal('all'), z.array(z.string().min(1).max(64)).max(MAX_LOCATIONS)]).optional(),
  timeout: duration.optional(),
  retries: z
    .strictObject({
      strategy: z.enum(['fixed', 'linear']).optional(),
      count: z.number().int().min(0).max(MAX_RETRIES).optional(),
      sameLocation: z.boolean().optional(),
      delay: duration.optional(),
    })
    .optional(),
  http: z
    .strictObject({
      method: z.enum(HTTP_METHODS).optional(),
      url: z.string().min(1).max(2048),
      headers: z.record(z.string().max(100), z.string().max(4096)).optional(),
      body: z.string().max(MAX_BODY).optional(),
      assertions: z.array(z.string().min(1).max(MAX_ASSERTION)).max(MAX_ASSERTIONS).optional(),
    })
    .optional(),
  degradedResponseTime: duration.optional(),
  maxResponseTime: duration.optional(),
  tcp: z.strictObject({ host: z.string().min(1).max(253), port }).optional(),
  dns: z
    .strictObject({
      name: z.string().min(1).max(253),
      recordType: z.enum(DNS_RECORD_TYPES).optional(),
      expect: z.array(z.string().min(1).max(512)).max(50).optional(),
      server: z.string().min(1).max(64).optional(),
    })
    .optional(),
  tls: z
    .strictObject({
      host: z.string().min(1).max(253),
      port: port.optional(),
      minDaysValid: z.number().int().min(0).max(3650).optional(),
    })
    .optional(),
  browser: z.strictObject({ script: z.string().min(1).max(MAX_SCRIPT) }).optional(),
  thresholds: z
    .strictObject({
      failure: z.number().int().min(1).max(MAX_THRESHOLD).optional(),
      success: z.number().int().min(1).max(MAX_THRESHOLD).optional(),
    })
    .optional(),
  failingLocations: z.number().int().min(1).max(MAX_LOCATIONS).optional(),
  maintenance: z
    .array(
      z.strictObject({ start: z.string().max(64), end: z.string().max(64), reason: z.string().max(200).optional() }),
    )
    .max(MAX_MAINTENANCE)
    .optional(),
});

export const checkKind: KindDefinition = {
  kind: 'Check',
  apiVersions: [CHECK_API_VERSION],
  spec: checkSpec,
  // Called only with a spec the schema above accepted, so it has a CheckSpec's shape.
  issues: (_name, spec) => checkSpecIssues(spec as CheckSpec),
  references: [OWNER_REFERENCE, { field: 'service', relation: 'checks', defaultKind: 'Component' }],
  // A check and the service it probes.
  relationPairs: [['checks', 'checkedBy']],
  cards: [
    {
      page: 'Check',
      id: 'check-of',
      title: 'Checks',
      groups: [
        ['Service', 'checks'],
        ['Owner', 'ownedBy'],
      ],
    },
  ],
};

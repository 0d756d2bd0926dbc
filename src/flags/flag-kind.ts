import { z } from 'zod';
import type { KindDefinition } from '../catalog/kinds.ts';
import { OWNER_REFERENCE } from '../catalog/relations.ts';
import { ENVIRONMENT_NAME, ENVIRONMENT_NAME_RULE } from '../platform/environment-name.ts';
import { FLAG_DETAIL_SCOPES } from '../auth/token.ts';
import { FLAG_API_VERSION, FLAG_TYPES, flagSpecIssues, type FlagSpec } from './flag-definition.ts';
import { publicFlagSpec } from './public-flag-spec.ts';

/**
 * The catalog's `Flag` kind (`apiVersion: atrium.dev/v1`): a feature flag, owned by a
 * team and read by one service's code. Its spec's shape is checked here; its strategies,
 * constraints and variants by the flag engine itself (flagSpecIssues). Pure.
 */

const text = z.string().min(1);

const flagSpec = z.looseObject({
  owner: text,
  service: text,
  type: z.enum(FLAG_TYPES),
  environments: z
    .record(
      z.string().regex(ENVIRONMENT_NAME, `environment names are ${ENVIRONMENT_NAME_RULE}`),
      z.looseObject({ enabled: z.boolean(), strategies: z.array(z.unknown()).optional() }),
    )
    .optional(),
  strategies: z.array(z.unknown()).optional(),
  variants: z.array(z.unknown()).optional(),
  dependencies: z.array(z.unknown()).optional(),
  impressionData: z.boolean().optional(),
  releasePlan: z
    .looseObject({
      milestones: z
        .array(
          z.looseObject({
            name: text,
            strategies: z.array(z.unknown()),
            after: z
              .string()
              .regex(/^\d{1,4}[mhd]$/, 'a time such as 30m, 24h or 7d')
              .optional(),
          }),
        )
        .min(1)
        .max(20),
    })
    .optional(),
});

export const flagKind: KindDefinition = {
  kind: 'Flag',
  apiVersions: [FLAG_API_VERSION],
  spec: flagSpec,
  // Called only with a spec the schema above accepted, so it has a FlagSpec's shape.
  issues: (name, spec) => flagSpecIssues(name, spec as FlagSpec),
  // Targeting (constraint values, user ids, segments, payloads) needs a token: user guide 15.
  confidential: { scopes: FLAG_DETAIL_SCOPES, publicSpec: (spec) => ({ ...publicFlagSpec(spec) }) },
  references: [OWNER_REFERENCE, { field: 'service', relation: 'flagOf', defaultKind: 'Component' }],
  // A feature flag and the service whose code reads it.
  relationPairs: [['flagOf', 'hasFlag']],
  cards: [
    // A service's page lists its flags with their state: a section of its own (sections.ts).
    {
      page: 'Flag',
      id: 'flag-of',
      title: 'Used by',
      groups: [
        ['Service', 'flagOf'],
        ['Owner', 'ownedBy'],
      ],
    },
  ],
};

import { z } from 'zod';
import type { KindDefinition } from '../catalog/kinds.ts';
import { OWNER_REFERENCE } from '../catalog/relations.ts';
import {
  MAX_LAYERS,
  MAX_LEVEL,
  MAX_PARTICIPANTS,
  ROTATION_API_VERSION,
  type RotationSpec,
  rotationSpecIssues,
  TURN,
  WEEKDAYS,
} from './rotation-definition.ts';

/**
 * The catalog's `Rotation` kind (`apiVersion: atrium.dev/v1`): an on-call rotation owned
 * by a team, its participants catalog Users (a missing one is a dangling reference,
 * reported at its line like any other). Its shape is checked here; times and the zone by
 * rotationSpecIssues. Pure.
 */

const text = z.string().min(1).max(200);

const rotationSpec = z.looseObject({
  owner: text,
  level: z.number().int().min(1).max(MAX_LEVEL).optional(),
  timeZone: text,
  layers: z
    .array(
      z.looseObject({
        name: text.optional(),
        start: text,
        end: text.optional(),
        turn: z.string().regex(TURN, 'daily, weekly, or a count of hours, days or weeks such as 12h, 3d or 2w'),
        participants: z.array(text).max(MAX_PARTICIPANTS),
        restrictions: z
          .array(z.looseObject({ days: z.array(z.enum(WEEKDAYS)).min(1).optional(), from: text, to: text }))
          .max(14)
          .optional(),
      }),
    )
    .min(1)
    .max(MAX_LAYERS),
});

export const rotationKind: KindDefinition = {
  kind: 'Rotation',
  apiVersions: [ROTATION_API_VERSION],
  spec: rotationSpec,
  // Called only with a spec the schema above accepted, so it has a RotationSpec's shape.
  issues: (_name, spec) => rotationSpecIssues(spec as RotationSpec),
  references: [
    OWNER_REFERENCE,
    { field: 'participants', within: 'layers', relation: 'hasParticipant', defaultKind: 'User' },
  ],
  // A rotation and the people taking turns in it.
  relationPairs: [['hasParticipant', 'participantOf']],
  cards: [
    {
      page: 'Rotation',
      id: 'rotation-people',
      title: 'People',
      groups: [
        ['Team', 'ownedBy'],
        ['Participants', 'hasParticipant'],
      ],
    },
    {
      page: 'User',
      id: 'rotations',
      title: 'On-call rotations',
      groups: [['Rotations', 'participantOf']],
      onlyWhenRelated: true,
    },
  ],
};

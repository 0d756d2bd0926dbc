import { z } from '@hono/zod-openapi';
import { ENVIRONMENT_NAME, ENVIRONMENT_NAME_RULE } from '../platform/environment-name.ts';
import type { FeedEvent } from './feed-scope.ts';
import type { LiveEnvironment } from './live.ts';
import {
  CHANGE_KINDS,
  DEPLOYMENT_STATUSES,
  EVENT_TYPES,
  SLOTS,
  STRATEGIES,
  type ChangeEvent,
  type ChangeInput,
  type DeploymentInput,
  type SwitchInput,
} from './model.ts';

/**
 * The write API's bodies and the events it returns, as zod schemas: they validate every
 * request (with the field path of each mistake) and become the OpenAPI document. What
 * they parse to are model.ts's plain types, which pure code uses: SchemasMatchModel, at
 * the end, keeps the two in step.
 */

/** ISO-8601 with a date, a time and an offset; the range is checked against the clock by the service. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
/** Date.parse rolls 2026-02-30 over to March; a real time's date survives the round trip. */
function isRealTime(text: string): boolean {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return false;
  const [, y, m, d] = /^(\d{4})-(\d{2})-(\d{2})/.exec(text) ?? [];
  const day = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return (
    day.getUTCFullYear() === Number(y) &&
    day.getUTCMonth() === Number(m) - 1 &&
    day.getUTCDate() === Number(d) &&
    Number(text.slice(11, 13)) < 24
  );
}

export const Timestamp = z
  .string()
  .max(40)
  .regex(ISO_TIME, 'must be an ISO-8601 time with an offset, e.g. 2026-11-27T14:03:00Z')
  .refine(isRealTime, 'is not a real date and time')
  .openapi({ example: '2026-11-27T14:03:00Z' });

/** Printable text on one line: nothing that could forge a log line or a terminal escape. */
const line = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'must be one line of printable text');

export const ServiceRef = line(255).openapi({
  description: 'Entity reference of the service; a bare name means a Component.',
  example: 'component:default/checkout',
});
export const Environment = z
  .string()
  .regex(ENVIRONMENT_NAME, `must be ${ENVIRONMENT_NAME_RULE}`)
  .openapi({ example: 'production' });
const Url = z
  .string()
  .max(2048)
  .refine((v) => /^https?:\/\//i.test(v) && URL.canParse(v), 'must be an http(s) URL')
  .openapi({ example: 'https://github.com/acme/checkout/actions/runs/42' });
const Actor = line(200).openapi({
  description: 'Who made the change (a person or a pipeline). Defaults to the token name.',
});

export const CommitSchema = z
  .object({
    sha: z.string().regex(/^[0-9a-fA-F]{7,64}$/, 'must be a hex commit id of 7 to 64 characters'),
    committedAt: Timestamp,
  })
  .strict()
  .openapi('Commit');

export const DeploymentInputSchema = z
  .object({
    service: ServiceRef,
    environment: Environment,
    version: line(128).openapi({ example: '1.42.0' }),
    status: z.enum(DEPLOYMENT_STATUSES),
    startedAt: Timestamp,
    finishedAt: Timestamp,
    commits: z
      .array(CommitSchema)
      .max(1000)
      .default([])
      .openapi({ description: 'The commits this deployment brings (for lead time); up to 1,000.' }),
    strategy: z.enum(STRATEGIES).optional(),
    slot: z
      .enum(SLOTS)
      .optional()
      .openapi({ description: 'Blue/green only: the slot deployed to (usually the idle one).' }),
    url: Url.optional(),
    actor: Actor.optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.slot && d.strategy !== 'blue-green')
      ctx.addIssue({ code: 'custom', path: ['slot'], message: 'is only for strategy blue-green' });
    if (d.strategy === 'blue-green' && !d.slot)
      ctx.addIssue({ code: 'custom', path: ['slot'], message: 'is required with strategy blue-green (blue or green)' });
  })
  .openapi('DeploymentInput');

export const MAX_BATCH = 1000;
export const DeploymentBatchSchema = z
  .object({ deployments: z.array(DeploymentInputSchema).min(1).max(MAX_BATCH) })
  .strict()
  .openapi('DeploymentBatch');

export const SwitchInputSchema = z
  .object({
    service: ServiceRef,
    environment: Environment,
    slot: z.enum(SLOTS).openapi({ description: 'The slot that now receives the traffic.' }),
    at: Timestamp,
    reason: line(500).optional(),
    url: Url.optional(),
    actor: Actor.optional(),
  })
  .strict()
  .openapi('TrafficSwitchInput');

export const ChangeInputSchema = z
  .object({
    service: ServiceRef,
    kind: z.enum(CHANGE_KINDS),
    summary: line(500).openapi({ example: 'Raised the connection pool to 50' }),
    at: Timestamp,
    environment: Environment.optional(),
    url: Url.optional(),
    actor: Actor.optional(),
  })
  .strict()
  .openapi('ChangeInput');

export const ChangeEventSchema = z
  .object({
    id: z.number().int(),
    type: z.enum(EVENT_TYPES),
    service: z.string(),
    at: z.string(),
    summary: z.string(),
    environment: z.string().nullable(),
    version: z.string().nullable(),
    status: z.enum(DEPLOYMENT_STATUSES).nullable(),
    strategy: z.enum(STRATEGIES).nullable(),
    slot: z.enum(SLOTS).nullable(),
    kind: z.enum(CHANGE_KINDS).nullable(),
    startedAt: z.string().nullable(),
    url: z.string().nullable(),
    actor: z.string().nullable(),
    commits: z.array(z.object({ sha: z.string(), committedAt: z.string() })).nullable(),
    recordedBy: z.string().openapi({ description: 'The name of the token that recorded it.' }),
    recordedAt: z.string(),
  })
  .openapi('ChangeEvent');

const FEED_RELATIONS = ['self', 'member', 'dependency', 'provider', 'flag'] as const;

export const FeedOriginSchema = z
  .object({
    relation: z.enum(FEED_RELATIONS).openapi({
      description:
        "Why the change is on this timeline: recorded on the entity itself (`self`), on an entity in its scope (`member`: a system's part, what a team owns), on a dependency (`dependsOn`), on the provider of an API it consumes, or on a feature flag of any of those.",
    }),
    ref: z.string().openapi({ description: 'The entity the change was recorded on.' }),
    depth: z.number().int().openapi({ description: 'Dependency hops from the entity asked about.' }),
    through: z.string().optional().openapi({
      description:
        'What links it to the entity asked about: the dependent of a dependency two hops away, the API of a provider, the service of a flag.',
    }),
    throughRelation: z
      .enum(FEED_RELATIONS)
      .optional()
      .openapi({ description: 'How `through` relates to the entity asked about (flags only).' }),
  })
  .openapi('ChangeOrigin');

export const TimelineEventSchema = ChangeEventSchema.extend({ origin: FeedOriginSchema }).openapi('TimelineEvent');

export const LiveEnvironmentSchema = z
  .object({
    environment: z.string(),
    version: z.string().nullable(),
    since: z.string().nullable(),
    strategy: z.enum(STRATEGIES).nullable(),
    liveSlot: z.enum(SLOTS).nullable(),
    idleSlot: z.enum(SLOTS).nullable(),
    idleVersion: z.string().nullable(),
    lastFailure: z.object({ version: z.string(), status: z.string(), at: z.string() }).nullable(),
    unslotted: z.object({ version: z.string(), at: z.string() }).nullable().openapi({
      description:
        'Blue/green only: a successful deployment recorded without a slot since the environment went blue/green (and no slot or switch since). Which slot, and so which version, is live is unknown until the slot or a switch is recorded; the slot fields are what was known before it.',
    }),
  })
  .openapi('LiveEnvironment');

/** True when A and B are the same type (not merely assignable: an extra optional field differs). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Holds<T extends true> = T;
/** Does not type-check when a schema and its plain type in model.ts (or live.ts) drift apart. */
export type SchemasMatchModel = [
  Holds<Same<z.infer<typeof DeploymentInputSchema>, DeploymentInput>>,
  Holds<Same<z.infer<typeof SwitchInputSchema>, SwitchInput>>,
  Holds<Same<z.infer<typeof ChangeInputSchema>, ChangeInput>>,
  Holds<Same<z.infer<typeof ChangeEventSchema>, ChangeEvent>>,
  Holds<Same<z.infer<typeof LiveEnvironmentSchema>, LiveEnvironment>>,
  Holds<Same<z.infer<typeof TimelineEventSchema>, FeedEvent>>,
];

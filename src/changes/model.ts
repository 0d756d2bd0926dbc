import { SYSTEM_RECORDERS } from '../auth/token.ts';
/**
 * Change events: deployments, blue/green traffic switches and every other change, as one
 * timeline per service. Types and the pure rules about them; nothing here does I/O.
 */

export const DEPLOYMENT_STATUSES = ['succeeded', 'failed', 'rolled_back'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export const STRATEGIES = ['blue-green', 'rolling', 'canary', 'recreate'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const SLOTS = ['blue', 'green'] as const;
export type Slot = (typeof SLOTS)[number];

/** Kinds of change other than a deployment; `feature-flag` is what flag changes write, `alert` what SLO alerts firing and resolving write. */
export const CHANGE_KINDS = [
  'config',
  'infrastructure',
  'migration',
  'feature-flag',
  'secret-rotation',
  'scaling',
  'incident',
  'alert',
  'other',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export const EVENT_TYPES = ['deployment', 'traffic-switch', 'change'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface Commit {
  sha: string;
  committedAt: string;
}

/** An event as it is stored and served; which fields are set depends on `type`. */
export interface ChangeEvent {
  id: number;
  type: EventType;
  /** The service's entity reference, e.g. component:default/checkout. */
  service: string;
  /** When it took effect (a deployment's finishedAt), UTC ISO-8601. */
  at: string;
  summary: string;
  environment: string | null;
  version: string | null;
  status: DeploymentStatus | null;
  strategy: Strategy | null;
  slot: Slot | null;
  kind: ChangeKind | null;
  startedAt: string | null;
  url: string | null;
  /** Who made the change, as the caller said (a person or pipeline). */
  actor: string | null;
  commits: Commit[] | null;
  /** The token that recorded it. */
  recordedBy: string;
  recordedAt: string;
}

/**
 * What a line of a timeline shows of an event, and all an incident's suspects are ranked
 * by: reading only these columns of 10,000 events (not commits, strategy, start and
 * recording times) is most of what keeps an incident's timeline query fast.
 */
export type ChangeLine = Pick<
  ChangeEvent,
  | 'id'
  | 'type'
  | 'service'
  | 'at'
  | 'summary'
  | 'environment'
  | 'version'
  | 'status'
  | 'slot'
  | 'kind'
  | 'url'
  | 'actor'
  | 'recordedBy'
>;

/** A deployment as a client reports it (validated by schema.ts's DeploymentInputSchema). */
export interface DeploymentInput {
  /** Entity reference of the service; a bare name means a Component. */
  service: string;
  environment: string;
  version: string;
  status: DeploymentStatus;
  startedAt: string;
  finishedAt: string;
  /** The commits this deployment brings (for lead time). */
  commits: Commit[];
  strategy?: Strategy;
  /** Blue/green only: the slot deployed to (usually the idle one). */
  slot?: Slot;
  url?: string;
  actor?: string;
}

/** A blue/green traffic switch as a client reports it (SwitchInputSchema). */
export interface SwitchInput {
  service: string;
  environment: string;
  /** The slot that now receives the traffic. */
  slot: Slot;
  at: string;
  reason?: string;
  url?: string;
  actor?: string;
}

/** Any other change as a client reports it (ChangeInputSchema). */
export interface ChangeInput {
  service: string;
  kind: ChangeKind;
  summary: string;
  at: string;
  environment?: string;
  url?: string;
  actor?: string;
}

/** What a write stores: an event before it has an id. */
export type NewChangeEvent = Omit<ChangeEvent, 'id'> & { serviceKey: string };

const STATUS_WORDS: Record<DeploymentStatus, string> = {
  succeeded: 'Deployed',
  failed: 'Failed to deploy',
  rolled_back: 'Rolled back',
};

/** The one line a timeline shows for a deployment. */
export function deploymentSummary(d: {
  version: string;
  environment: string;
  status: DeploymentStatus;
  strategy: Strategy | null;
  slot: Slot | null;
}): string {
  const where = d.slot ? `${d.environment} (${d.slot} slot)` : d.environment;
  return `${STATUS_WORDS[d.status]} ${d.version} ${d.status === 'rolled_back' ? 'in' : 'to'} ${where}${d.strategy && d.strategy !== 'blue-green' ? ` (${d.strategy})` : ''}`;
}

export function switchSummary(s: {
  environment: string;
  from: Slot | null;
  to: Slot;
  fromVersion: string | null;
  toVersion: string;
}): string {
  const from = s.from ? `${s.from}${s.fromVersion ? ` (${s.fromVersion})` : ''} to ` : 'to ';
  return `Switched ${s.environment} traffic from ${from}${s.to} (${s.toVersion})`.replace('from to ', 'to ');
}

/**
 * What readers without a token see instead of a token's name: the name says which pipeline
 * or person holds a credential, which is an attacker's map (user guide 8).
 */
export const A_TOKEN = 'a token';

/**
 * An event as a reader without a token sees it: `recordedBy` is "a token" (unless Atrium
 * recorded it itself), and so is
 * `actor` when it was not given and so defaulted to the token's name. An actor the caller
 * named (a person, a pipeline) stays: it is what the timeline is for.
 */
export function withoutTokenName<T extends Pick<ChangeEvent, 'actor' | 'recordedBy'>>(event: T): T {
  // What Atrium recorded itself (a release plan's timed move, a webhook) names no token.
  if (SYSTEM_RECORDERS.includes(event.recordedBy)) return event;
  return { ...event, actor: event.actor === event.recordedBy ? A_TOKEN : event.actor, recordedBy: A_TOKEN };
}

import type { Override, Rotation } from './schedule.ts';

/**
 * What "who is on call" answers are made of, for every source: Atrium's own rotations
 * today; PagerDuty or Opsgenie schedules read by their API later, in the same shape. Pure.
 */

export type OnCallSource = 'atrium' | 'pagerduty' | 'opsgenie';

/** A person as the catalog knows them: how to show and reach them. */
export interface OnCallPerson {
  ref: string;
  name: string;
  email?: string;
  /** A chat link (the person's, else their team's). */
  chat?: { title: string; url: string };
}

/** One rung of the escalation chain: a rotation and who it has on call. */
export interface EscalationLevel {
  level: number;
  rotation: { ref: string; title: string };
  /** Null: nobody on call on this level now (e.g. outside its restrictions). */
  person: OnCallPerson | null;
  /** When this person hands over (ISO); absent when no handoff is ahead. */
  until?: string;
  /** Whether an override put them there. */
  override?: boolean;
  next?: { person: OnCallPerson; from: string };
}

/** "Who is on call for X now": the team whose rotations answer, and its chain, computed at `computedAt`. */
export interface OnCallAnswer {
  source: OnCallSource;
  /** The entity asked about. */
  subject: string;
  /** The team answering (the owner's, or the system's owner when the owner has no rotation). */
  team: string;
  computedAt: string;
  /** By level, 1 first. */
  levels: EscalationLevel[];
}

/** A rotation as the answer needs it: its schedule and the overrides known. */
export interface PlannedRotation {
  ref: string;
  title: string;
  level: number;
  rotation: Rotation;
  overrides: Override[];
}

/**
 * Everything needed to compute an answer at any time, with no catalog and no database:
 * what the server computes from, and what a page embeds for the browser to compute from.
 */
export interface OnCallPlan {
  subject: string;
  team: string;
  rotations: PlannedRotation[];
  /** People by entity key (participants and override people). */
  people: Record<string, OnCallPerson>;
}

import type { Override, Rotation } from './schedule.ts';

/**
 * What "who is on call" answers are made of, for every source: Atrium's own rotations,
 * and PagerDuty or Opsgenie schedules read by their APIs, in the same shape. Pure.
 */

export type OnCallSource = 'atrium' | 'pagerduty' | 'opsgenie';

/** A person as the catalog knows them: how to show and reach them. */
export interface OnCallPerson {
  /** Their catalog User; absent for someone PagerDuty or Opsgenie names whom the catalog does not know. */
  ref?: string;
  name: string;
  email?: string;
  /** A chat link (the person's, else their team's). */
  chat?: { title: string; url: string };
}

/** One rung of the escalation chain: a rotation and who it has on call. */
export interface EscalationLevel {
  level: number;
  /** The rotation (a catalog ref), or the PagerDuty / Opsgenie schedule (no ref; `url` when it has a page there). */
  rotation: { ref?: string; title: string; url?: string };
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
  /** For an answer read from PagerDuty or Opsgenie: when it was read, and whether the latest read failed. */
  read?: OnCallRead;
}

/** Why a read of PagerDuty or Opsgenie failed, as the card and the log name it. */
export type ReadFailureClass =
  | 'timeout'
  | 'unreachable'
  | 'rate-limited'
  | 'unauthorized'
  | 'not-found'
  | 'server-error'
  | 'http-error'
  | 'malformed'
  | 'too-large'
  | 'not-configured';

/**
 * Where an answer read from an API stands. `fetchedAt` is when the API gave the answer
 * shown (absent when it never has); `failure`, when the latest read failed, so the answer
 * shown is the last known one (with its age), never passed off as fresh.
 */
export interface OnCallRead {
  fetchedAt?: string;
  failure?: { class: ReadFailureClass; at: string; message: string };
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

/** An email address as an API gave it, if it looks like one (it becomes a mailto: link). */
export function plainEmail(text: string | undefined): string | undefined {
  const email = text?.trim();
  return email && email.length <= 254 && /^[^\s@<>"'?&/\\]+@[^\s@<>"'?&/\\]+\.[^\s@<>"'?&/\\]+$/.test(email)
    ? email
    : undefined;
}

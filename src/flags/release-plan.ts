/**
 * Release plans: a flag rolled out through milestones (for example internal users, then
 * 1%, 10%, 50%, 100%), each with its own strategies. A team starts the plan, moves to the
 * next milestone by hand or after the milestone's set time, pauses, resumes, or rolls back
 * to the previous milestone. Pure: where a plan stands is a function of its state and the
 * clock.
 */

export interface Milestone {
  name: string;
  strategies: unknown[];
  /** Move on by itself after this long (`30m`, `24h`, `7d`); without it, only by hand. */
  after?: string;
}

export interface ReleasePlan {
  milestones: Milestone[];
}

/** Where a plan stands in one environment, as stored. */
export interface PlanState {
  milestone: number;
  /** When the current milestone began, ISO. */
  since: string;
  paused: boolean;
}

export type PlanAction = 'start' | 'advance' | 'pause' | 'resume' | 'rollback';
export const PLAN_ACTIONS: readonly PlanAction[] = ['start', 'advance', 'pause', 'resume', 'rollback'];

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `24h`, `7d` in milliseconds; undefined for anything else. */
export function durationMs(text: string | undefined): number | undefined {
  const match = text === undefined ? null : /^(\d{1,4})([mhd])$/.exec(text);
  return match ? Number(match[1]) * (UNITS[match[2] as string] as number) : undefined;
}

/**
 * Where the plan stands at `now`: a milestone with a set time moves on by itself once it
 * has passed (one milestone at a time, each from the end of the one before), unless the
 * plan is paused; the last milestone stays.
 */
export function planAt(plan: ReleasePlan, state: PlanState, now: Date): PlanState {
  let { milestone, since } = state;
  if (state.paused) return state;
  for (;;) {
    const wait = durationMs(plan.milestones[milestone]?.after);
    if (wait === undefined || milestone >= plan.milestones.length - 1) break;
    const due = Date.parse(since) + wait;
    if (due > now.getTime()) break;
    milestone++;
    since = new Date(due).toISOString();
  }
  return { milestone, since, paused: false };
}

/**
 * When the clock alone next moves the plan on from where it stands at `now` (epoch ms),
 * or undefined when it never will: paused, at its last milestone, or at one without a set
 * time. What is served from the plan stays true until then.
 */
export function nextMoveAt(plan: ReleasePlan, state: PlanState, now: Date): number | undefined {
  const at = planAt(plan, state, now);
  const wait = durationMs(plan.milestones[at.milestone]?.after);
  if (at.paused || wait === undefined || at.milestone >= plan.milestones.length - 1) return undefined;
  return Date.parse(at.since) + wait;
}

/**
 * The state after an action, or why it cannot be done: start begins at the first milestone
 * (again, if it had begun); advance and rollback move one milestone (never past either
 * end); pause and resume stop and restart the clock of set times.
 */
export function applyPlanAction(
  plan: ReleasePlan,
  current: PlanState | undefined,
  action: PlanAction,
  now: Date,
): PlanState | { error: string } {
  const at = now.toISOString();
  if (action === 'start') return { milestone: 0, since: at, paused: false };
  if (current === undefined) return { error: 'the release plan has not started here; start it first' };
  const state = planAt(plan, current, now);
  switch (action) {
    case 'advance':
      return state.milestone >= plan.milestones.length - 1
        ? { error: 'the plan is at its last milestone' }
        : { milestone: state.milestone + 1, since: at, paused: state.paused };
    case 'rollback':
      return state.milestone === 0
        ? { error: 'the plan is at its first milestone' }
        : { milestone: state.milestone - 1, since: at, paused: state.paused };
    case 'pause':
      return current.paused ? { error: 'the plan is already paused' } : { ...state, paused: true };
    case 'resume':
      // The clock of a set time starts again from the resume.
      return current.paused
        ? { milestone: current.milestone, since: at, paused: false }
        : { error: 'the plan is not paused' };
  }
}

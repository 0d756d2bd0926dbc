import type { OnCallAnswer, OnCallPerson, OnCallPlan } from './model.ts';
import { whoIsOnCall } from './schedule.ts';

/**
 * A plan's answer at `at`: each rotation's person now, until when, and who is next, by
 * level. The server and the portal's script (a static export, an offline copy) both
 * answer with this function. Pure.
 */
export function answerAt(plan: OnCallPlan, at: number): OnCallAnswer {
  const person = (key: string): OnCallPerson => plan.people[key] ?? { ref: key, name: key };
  return {
    source: 'atrium',
    subject: plan.subject,
    team: plan.team,
    computedAt: new Date(at).toISOString(),
    levels: [...plan.rotations]
      .sort((a, b) => a.level - b.level || a.ref.localeCompare(b.ref))
      .map((planned) => {
        const now = whoIsOnCall(planned.rotation, planned.overrides, at);
        return {
          level: planned.level,
          rotation: { ref: planned.ref, title: planned.title },
          person: now.user === null ? null : person(now.user),
          ...(now.until !== undefined && { until: new Date(now.until).toISOString() }),
          ...(now.override !== undefined && { override: true }),
          ...(now.next && { next: { person: person(now.next.user), from: new Date(now.next.from).toISOString() } }),
        };
      }),
  };
}

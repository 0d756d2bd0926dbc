import { z } from 'zod';
import { type EscalationLevel, type OnCallPerson, plainEmail } from './model.ts';

/**
 * PagerDuty's REST API v2 `GET /oncalls`, as documented: the query Atrium sends and the
 * answer mapped to escalation levels. Pure; the request itself is in readers.ts.
 */

/** A page of /oncalls: PagerDuty's largest `limit`. */
export const PAGERDUTY_PAGE_SIZE = 100;

/** PagerDuty's REST API version header (v2 answers only to it). */
export const PAGERDUTY_ACCEPT = 'application/vnd.pagerduty+json;version=2';

/** The query of one page of /oncalls for a schedule or an escalation policy. */
export function pagerDutyOnCallsQuery(by: 'schedule' | 'escalation-policy', id: string, offset: number): string {
  const query = new URLSearchParams({
    time_zone: 'UTC',
    earliest: 'true',
    limit: String(PAGERDUTY_PAGE_SIZE),
    offset: String(offset),
  });
  query.append('include[]', 'users');
  query.append(by === 'schedule' ? 'schedule_ids[]' : 'escalation_policy_ids[]', id);
  return query.toString();
}

const reference = z.looseObject({ id: z.string(), summary: z.string().optional(), html_url: z.string().optional() });

const OnCallSchema = z.looseObject({
  // With include[]=users the user is the whole object (name, email); a reference has only a summary.
  user: z.looseObject({
    id: z.string(),
    summary: z.string().optional(),
    name: z.string().optional(),
    email: z.string().optional(),
  }),
  schedule: reference.nullable().optional(),
  escalation_policy: reference,
  escalation_level: z.number().int().min(1),
  start: z.string().nullable().optional(),
  end: z.string().nullable().optional(),
});

const OnCallsPageSchema = z.looseObject({
  oncalls: z.array(OnCallSchema),
  limit: z.number().int().optional(),
  offset: z.number().int().optional(),
  more: z.boolean().optional(),
});

export type PagerDutyOnCall = z.infer<typeof OnCallSchema>;

/** One page of /oncalls, or why it is not one (the caller says "malformed"). */
export function parsePagerDutyOnCalls(
  text: string,
): { ok: true; oncalls: PagerDutyOnCall[]; more: boolean } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'the answer is not JSON' };
  }
  const parsed = OnCallsPageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `not an /oncalls answer (${issue?.path.join('.') || 'body'}: ${issue?.message})` };
  }
  return { ok: true, oncalls: parsed.data.oncalls, more: parsed.data.more === true };
}

/** `GET /services/{id}`'s escalation policy: whose on-call a service's incidents reach. */
export function parsePagerDutyServicePolicy(text: string): { ok: true; id: string } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'the answer is not JSON' };
  }
  const parsed = z.looseObject({ service: z.looseObject({ escalation_policy: reference }) }).safeParse(json);
  return parsed.success
    ? { ok: true, id: parsed.data.service.escalation_policy.id }
    : { ok: false, error: 'not a /services/{id} answer (service.escalation_policy.id missing)' };
}

/** Only http(s) pages of PagerDuty's own: a link from an API answer is still input. */
function pageUrl(url: string | undefined): string | undefined {
  if (url === undefined || !URL.canParse(url)) return undefined;
  return new URL(url).protocol === 'https:' ? url : undefined;
}

/**
 * The escalation levels of /oncalls entries: one line per level and schedule (a level
 * with a user as its direct target has no schedule: the policy names it), people matched
 * to catalog Users by email where `known` finds them, else shown by PagerDuty's name.
 * Repeats (a schedule used on one level by several policies) are shown once.
 */
export function pagerDutyLevels(
  oncalls: readonly PagerDutyOnCall[],
  known: (email: string) => OnCallPerson | undefined,
): EscalationLevel[] {
  const seen = new Set<string>();
  const levels: EscalationLevel[] = [];
  for (const oncall of oncalls) {
    const key = JSON.stringify([oncall.escalation_level, oncall.schedule?.id ?? '', oncall.user.id]);
    if (seen.has(key)) continue;
    seen.add(key);
    const { user } = oncall;
    const email = plainEmail(user.email);
    const name = user.name ?? user.summary ?? user.id;
    const person: OnCallPerson = (email && known(email.toLowerCase())) || { name, ...(email ? { email } : {}) };
    const origin = oncall.schedule ?? oncall.escalation_policy;
    const url = pageUrl(origin.html_url);
    const end = oncall.end ? Date.parse(oncall.end) : Number.NaN;
    levels.push({
      level: oncall.escalation_level,
      rotation: { title: origin.summary ?? origin.id, ...(url ? { url } : {}) },
      person,
      ...(Number.isNaN(end) ? {} : { until: new Date(end).toISOString() }),
    });
  }
  return levels.sort((a, b) => a.level - b.level || a.rotation.title.localeCompare(b.rotation.title));
}

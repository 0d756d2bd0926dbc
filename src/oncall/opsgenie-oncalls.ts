import { z } from 'zod';
import { type EscalationLevel, type OnCallPerson, plainEmail } from './model.ts';

/**
 * Opsgenie's `GET /v2/schedules/{identifier}/on-calls`, as documented: the path and query
 * Atrium sends and the answer mapped to levels. Pure; the request itself is in readers.ts.
 */

/** The path and query for a schedule by id or by name (`flat=false` keeps escalations and teams apart). */
export function opsgenieOnCallsPath(by: 'id' | 'name', identifier: string): string {
  return `/v2/schedules/${encodeURIComponent(identifier)}/on-calls?scheduleIdentifierType=${by}&flat=false`;
}

interface Participant {
  id?: string;
  name: string;
  type: string;
  onCallParticipants?: Participant[];
}

const ParticipantSchema: z.ZodType<Participant> = z.lazy(() =>
  z.looseObject({
    id: z.string().optional(),
    name: z.string(),
    type: z.string(),
    onCallParticipants: z.array(ParticipantSchema).optional(),
  }),
);

const OnCallsSchema = z.looseObject({
  data: z.looseObject({
    _parent: z.looseObject({ id: z.string().optional(), name: z.string() }),
    onCallParticipants: z.array(ParticipantSchema),
  }),
});

export interface OpsgenieOnCalls {
  schedule: string;
  participants: Participant[];
}

export function parseOpsgenieOnCalls(
  text: string,
): { ok: true; value: OpsgenieOnCalls } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'the answer is not JSON' };
  }
  let parsed: ReturnType<typeof OnCallsSchema.safeParse>;
  try {
    parsed = OnCallsSchema.safeParse(json);
  } catch {
    // A hostile nesting thousands deep exhausts the recursive schema's stack.
    return { ok: false, error: 'nested too deep' };
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `not an on-calls answer (${issue?.path.join('.') || 'body'}: ${issue?.message})` };
  }
  const { data } = parsed.data;
  return { ok: true, value: { schedule: data._parent.name, participants: data.onCallParticipants } };
}

/** Participants are nested this deep at most (an escalation's team's users): deeper is not an on-call answer. */
const MAX_DEPTH = 3;

/**
 * The schedule's on-call users, each once, with what reached them: the schedule itself, or
 * an escalation or team under it (with `flat=false` Opsgenie nests their participants).
 */
export function opsgenieUsers(onCalls: OpsgenieOnCalls): { via: string; username: string }[] {
  const users: { via: string; username: string }[] = [];
  const seen = new Set<string>();
  const visit = (participants: readonly Participant[], via: string, depth: number) => {
    if (depth > MAX_DEPTH) return;
    for (const p of participants) {
      if (p.type !== 'user') {
        visit(p.onCallParticipants ?? [], `${via} · ${p.type} ${p.name}`, depth + 1);
        continue;
      }
      const username = p.name.trim();
      const key = JSON.stringify([via, username]);
      if (seen.has(key)) continue;
      seen.add(key);
      users.push({ via, username });
    }
  };
  visit(onCalls.participants, onCalls.schedule, 1);
  return users;
}

/**
 * The schedule's on-call users as level 1 (an Opsgenie schedule is one rung; its
 * escalations are other schedules). A user is named by username, which Opsgenie makes an
 * email address: `known` finds the catalog User with it, else the username is shown.
 */
export function opsgenieLevels(
  onCalls: OpsgenieOnCalls,
  known: (email: string) => OnCallPerson | undefined,
): EscalationLevel[] {
  return opsgenieUsers(onCalls).map(({ via, username }) => {
    const email = plainEmail(username);
    const person = (email && known(email.toLowerCase())) || { name: username, ...(email ? { email } : {}) };
    return { level: 1, rotation: { title: via }, person };
  });
}

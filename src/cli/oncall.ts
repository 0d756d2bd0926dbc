import type { OnCallAnswer } from '../oncall/model.ts';
import { EntityRefError, parseEntityRef } from '../platform/entity-ref.ts';
import { UsageError } from '../platform/errors.ts';
import { apiTarget, sendJson } from './api-client.ts';
import { formatOption } from './args.ts';
import { defineCommand } from './command.ts';

const help = `Usage: atrium oncall now --service REF [options]
       atrium oncall override --rotation REF --user REF --from TIME --until TIME --reason TEXT [options]
       atrium oncall remove --rotation REF --id N --reason TEXT [options]

Who is on call, computed by an Atrium server from the catalog's rotations, and
overrides: a person on call for a rotation over a time range.

now:
  --service REF            any entity: a service (a bare name is a Component) answers
                           with its owner's rotations (else its system's owner's); a
                           group:… with its own; a rotation:… with itself

override (needs a token with the oncall:write scope in ATRIUM_TOKEN):
  --rotation REF           e.g. checkout-primary or rotation:default/checkout-primary
  --user REF               a catalog User (a bare name is a User)
  --from TIME              ISO-8601 with offset (default: now)
  --until TIME             ISO-8601 with offset; after --from, at most 90 days later
  --reason TEXT            why (kept in the record)
  --idempotency-key KEY    default: a new UUID per invocation

remove (needs oncall:write):
  --rotation REF, --id N   the override (its id is in \`override\`'s output)
  --reason TEXT            why (kept in the record)

common:
  --server URL             the Atrium server (default: ATRIUM_URL)
  --token TOKEN            (default: ATRIUM_TOKEN; prefer the variable)
  --format FORMAT          text (default) or json
  -h, --help               show this help

Exit status: 0 done, 64 bad usage, 65 refused (unknown rotation or user, bad time
range, bad token: the message says which), 75 server unreachable or busy after retries.
`;

/** The API path segment of an entity reference: kind/namespace/name. */
function entityPath(ref: string, defaultKind: string): string {
  try {
    const { kind, namespace, name } = parseEntityRef(ref, { defaultKind, defaultNamespace: 'default' });
    return [kind, namespace, name].map((p) => encodeURIComponent(p.toLowerCase())).join('/');
  } catch (err) {
    if (err instanceof EntityRefError)
      throw new UsageError(err.message, 'Write a reference as [kind:][namespace/]name.');
    throw err;
  }
}

function rotationPath(ref: string): string {
  const [kind, ...rest] = entityPath(ref, 'Rotation').split('/');
  if (kind !== 'rotation')
    throw new UsageError(`--rotation must name a Rotation, not "${ref}"`, 'For example --rotation checkout-primary');
  return `/api/v1/rotations/${rest.join('/')}/overrides`;
}

function answerText(answer: OnCallAnswer): string {
  const { read } = answer;
  const lines =
    answer.source === 'atrium'
      ? [`On call for ${answer.subject} (rotations of ${answer.team}), computed at ${answer.computedAt}:`]
      : [
          `On call for ${answer.subject} from ${answer.source} (schedule named by ${answer.team}), read at ${read?.fetchedAt ?? 'never'}:`,
          // A stale answer is never passed off as fresh, here as on the card.
          ...(read?.failure
            ? [
                `  the latest read failed at ${read.failure.at} (${read.failure.class}): ${read.failure.message}; this is the last known answer`,
              ]
            : []),
        ];
  for (const l of answer.levels) {
    const who = l.person ? `${l.person.name}${l.person.email ? ` <${l.person.email}>` : ''}` : 'nobody';
    lines.push(
      `  level ${l.level} ${l.rotation.title}: ${who}${l.override ? ' (override)' : ''}${l.until ? ` until ${l.until}` : ''}${l.next ? `; next ${l.next.person.name} from ${l.next.from}` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export const oncallCommand = defineCommand({
  name: 'oncall',
  help,
  options: {
    service: { type: 'string' },
    rotation: { type: 'string' },
    user: { type: 'string' },
    from: { type: 'string' },
    until: { type: 'string' },
    reason: { type: 'string' },
    id: { type: 'string' },
    server: { type: 'string' },
    token: { type: 'string' },
    'idempotency-key': { type: 'string' },
    format: { type: 'string', default: 'text' },
  },
  async run({ values, positionals, io }) {
    const format = formatOption(values.format);
    const [action, ...rest] = positionals;
    const required = {
      now: ['service'],
      override: ['rotation', 'user', 'until', 'reason'],
      remove: ['rotation', 'id', 'reason'],
    } as const;
    if (action !== 'now' && action !== 'override' && action !== 'remove')
      throw new UsageError(
        action === undefined ? 'Missing action' : `Unknown action "${action}"`,
        'Use atrium oncall now, override or remove (see `atrium oncall --help`).',
      );
    if (rest.length > 0)
      throw new UsageError(
        `Unexpected argument "${rest[0]}"`,
        'Every value is given with an option (see `atrium oncall --help`).',
      );
    const missing = required[action].filter((name) => !values[name]);
    if (missing.length > 0)
      throw new UsageError(
        `Missing ${missing.map((m) => `--${m}`).join(', ')}`,
        `See \`atrium oncall --help\` for what ${action} needs.`,
      );
    const onRetry = (message: string) => io.err(`atrium oncall: ${message}\n`);
    if (action === 'now') {
      const target = apiTarget(values.server, values.token, io.env, 'oncall', false);
      const path = `/api/v1/entities/${entityPath(values.service as string, 'Component')}/oncall`;
      const { plan: _plan, ...answer } = (await sendJson(target, 'GET', path, undefined, {
        onRetry,
      })) as OnCallAnswer & { plan: unknown };
      io.out(format === 'json' ? `${JSON.stringify(answer)}\n` : answerText(answer));
      return 0;
    }
    const target = apiTarget(values.server, values.token, io.env, 'oncall');
    const path = rotationPath(values.rotation as string);
    if (action === 'remove') {
      if (!/^[1-9]\d{0,15}$/.test(values.id as string))
        throw new UsageError(`--id must be a number, not "${values.id}"`, 'For example --id 12');
      const removed = await sendJson(
        target,
        'DELETE',
        `${path}/${values.id}?reason=${encodeURIComponent(values.reason as string)}`,
        undefined,
        { onRetry },
      );
      io.out(format === 'json' ? `${JSON.stringify(removed)}\n` : `Removed override ${values.id}\n`);
      return 0;
    }
    const saved = (await sendJson(
      target,
      'POST',
      path,
      { user: values.user, from: values.from ?? new Date().toISOString(), until: values.until, reason: values.reason },
      { idempotencyKey: values['idempotency-key'], onRetry },
    )) as { id: number; user: string; from: string; until: string };
    io.out(
      format === 'json'
        ? `${JSON.stringify(saved)}\n`
        : `Override ${saved.id}: ${saved.user} on call from ${saved.from} until ${saved.until}\n`,
    );
    return 0;
  },
});

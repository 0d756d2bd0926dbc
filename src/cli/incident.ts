import { MILESTONES } from '../incidents/model.ts';
import { EXIT_USAGE, UsageError } from '../platform/errors.ts';
import { type ApiTarget, apiTarget, sendJson } from './api-client.ts';
import { formatOption, type Options } from './args.ts';
import { type CommandDefinition, defineCommand } from './command.ts';
import type { Command, CommandIO } from './io.ts';

/**
 * `atrium incident <subcommand>`: each subcommand is a row of a table (its name, its help
 * lines and a command of its own), so another part of the incident room (post-mortem
 * actions) adds rows instead of branches: `incidentCommand([...extraRows])`.
 */
export interface IncidentSubcommand {
  name: string;
  /** One usage line, e.g. `declare --service REF --severity SEV --title TEXT [options]`. */
  usage: string;
  /** Its options, one per line, indented as in the help. */
  details: string;
  command: Command;
}

const COMMON = `common:
  --server URL             the Atrium server (default: ATRIUM_URL)
  --token TOKEN            a token with incidents:write for changes (default: ATRIUM_TOKEN;
                           prefer the variable); reads need none
  --format FORMAT          text (default) or json
  -h, --help               show this help

Exit status: 0 done, 64 bad usage, 65 refused (unknown service or severity, bad time,
bad token: the message says which), 75 server unreachable or busy after retries.
`;

/** A subcommand's own `--help`: its usage and options, and the common ones. */
const helpOf = (usage: string, details: string): string => `Usage: atrium incident ${usage}\n\n${details}\n\n${COMMON}`;

/** A row of the table (another room makes its rows with this too): its `--help` is its usage and options, and the common ones. */
export function incidentSubcommand<T extends Options>(
  usage: string,
  details: string,
  definition: Omit<CommandDefinition<T>, 'help'>,
): IncidentSubcommand {
  return {
    name: definition.name.replace(/^incident /, ''),
    usage,
    details,
    command: defineCommand({ ...definition, help: helpOf(usage, details) }),
  };
}

const common = {
  server: { type: 'string' },
  token: { type: 'string' },
  format: { type: 'string', default: 'text' },
} as const satisfies Options;

interface IncidentJson {
  id: number;
  title: string;
  severity: string;
  status: string;
  open: boolean;
  services: string[];
  milestones: Record<string, string>;
  roles: Record<string, string>;
  customerImpact: string;
}

interface DetailJson extends IncidentJson {
  timeline: { type: string; at: string; summary: string; by?: string }[];
  suspectedChanges: { at: string; summary: string; score: number; reasons: string[]; link: { href: string } }[];
  mttaSeconds: number | null;
  mttrSeconds: number | null;
}

function idOf(positionals: string[], sub: string): number {
  const [id, extra] = positionals;
  if (id === undefined || !/^#?\d{1,15}$/.test(id))
    throw new UsageError(`atrium incident ${sub} needs an incident id`, `For example atrium incident ${sub} 12`);
  if (extra !== undefined)
    throw new UsageError(
      `Unexpected argument "${extra}"`,
      `Quote text options, see \`atrium incident ${sub} --help\`.`,
    );
  return Number(id.replace('#', ''));
}

function noPositionals(positionals: string[], sub: string): void {
  if (positionals.length > 0)
    throw new UsageError(
      `Unexpected argument "${positionals[0]}"`,
      `Quote text options, see \`atrium incident ${sub} --help\`.`,
    );
}

const line = (i: IncidentJson) =>
  `#${i.id} ${i.severity} ${i.status.padEnd(13)} ${i.title} (${i.services.join(', ')}; started ${i.milestones.started})`;

const minutes = (seconds: number | null) => (seconds === null ? '–' : `${Math.round(seconds / 60)} min`);

function detailText(d: DetailJson, server: string): string {
  const out = [
    `${line(d)}`,
    `  ${server}/incidents/${d.id}/`,
    `  lead: ${d.roles.lead ?? 'nobody'}; communications: ${d.roles.communications ?? 'nobody'}`,
    `  MTTA ${minutes(d.mttaSeconds)}; MTTR ${minutes(d.mttrSeconds)}`,
  ];
  if (d.customerImpact) out.push(`  customer impact: ${d.customerImpact.split('\n')[0]}`);
  out.push('', 'Suspected changes:');
  if (d.suspectedChanges.length === 0) out.push('  none in the window');
  for (const s of d.suspectedChanges)
    out.push(`  ${s.score.toFixed(2)} ${s.at} ${s.summary} — ${s.reasons.join('; ')}`, `       ${s.link.href}`);
  out.push('', 'Timeline:');
  for (const e of d.timeline) out.push(`  ${e.at} ${e.type.padEnd(14)} ${e.summary}`);
  return `${out.join('\n')}\n`;
}

/** Prints a write's answer: the incident's line, or its JSON. */
function printIncident(io: CommandIO, format: 'text' | 'json', verb: string, incident: IncidentJson): void {
  io.out(format === 'json' ? `${JSON.stringify(incident)}\n` : `${verb} ${line(incident)}\n`);
}

function target(values: { server?: string; token?: string }, io: CommandIO, needsToken: boolean): ApiTarget {
  return apiTarget(values.server, values.token, io.env, 'incident', needsToken);
}

const declare = incidentSubcommand(
  'declare --service REF --severity SEV --title TEXT [options]',
  `declare (needs incidents:write):
  --service REF            the service it is on (a bare name is a Component)
  --severity SEV           of the configured scale (default SEV1 … SEV4)
  --title TEXT             one line
  --started-at TIME        ISO-8601 with offset (default: now)
  --impact TEXT            what customers see
  --lead NAME, --communications NAME
  --also REF               another affected service (repeatable)
  --idempotency-key KEY    default: a new UUID per invocation; retries reuse it`,
  {
    name: 'incident declare',
    options: {
      ...common,
      service: { type: 'string' },
      severity: { type: 'string' },
      title: { type: 'string' },
      'started-at': { type: 'string' },
      impact: { type: 'string' },
      lead: { type: 'string' },
      communications: { type: 'string' },
      also: { type: 'string', multiple: true },
      'idempotency-key': { type: 'string' },
    },
    async run({ values, positionals, io }) {
      const format = formatOption(values.format);
      noPositionals(positionals, 'declare');
      const missing = (['service', 'severity', 'title'] as const).filter((n) => !values[n]);
      if (missing.length > 0)
        throw new UsageError(
          `Missing ${missing.map((m) => `--${m}`).join(', ')}`,
          'For example atrium incident declare --service checkout --severity SEV2 --title "Card payments fail"',
        );
      const body = {
        service: values.service,
        severity: values.severity,
        title: values.title,
        ...(values['started-at'] ? { startedAt: values['started-at'] } : {}),
        ...(values.impact ? { customerImpact: values.impact } : {}),
        ...(values.lead ? { lead: values.lead } : {}),
        ...(values.communications ? { communications: values.communications } : {}),
        ...(values.also?.length ? { services: values.also } : {}),
      };
      const to = target(values, io, true);
      const incident = (await sendJson(to, 'POST', '/api/v1/incidents', body, {
        idempotencyKey: values['idempotency-key'],
        onRetry: (m) => io.err(`atrium incident: ${m}\n`),
      })) as IncidentJson;
      if (format === 'json') io.out(`${JSON.stringify(incident)}\n`);
      else io.out(`declared ${line(incident)}\n  ${to.server}/incidents/${incident.id}/\n`);
      return 0;
    },
  },
);

const list = incidentSubcommand(
  'list [--team REF] [--service REF] [--severity SEV] [--status STATUS] [--open|--closed] [--since TIME]',
  `list (open incidents first, then the latest started):
  --team REF, --service REF, --severity SEV, --status STATUS
  --open, --closed         only open, or only resolved and later
  --since TIME, --until TIME  started in this range (ISO-8601)`,
  {
    name: 'incident list',
    options: {
      ...common,
      team: { type: 'string' },
      service: { type: 'string' },
      severity: { type: 'string' },
      status: { type: 'string' },
      open: { type: 'boolean' },
      closed: { type: 'boolean' },
      since: { type: 'string' },
      until: { type: 'string' },
    },
    async run({ values, positionals, io }) {
      const format = formatOption(values.format);
      noPositionals(positionals, 'list');
      if (values.open && values.closed)
        throw new UsageError('--open and --closed exclude each other', 'Give one, or neither for both.');
      const query = new URLSearchParams();
      for (const name of ['team', 'service', 'severity', 'status', 'since', 'until'] as const) {
        const value = values[name];
        if (value) query.set(name, value);
      }
      if (values.open || values.closed) query.set('open', values.open ? 'true' : 'false');
      const { items } = (await sendJson(target(values, io, false), 'GET', `/api/v1/incidents?${query}`, undefined)) as {
        items: IncidentJson[];
      };
      io.out(
        format === 'json'
          ? `${JSON.stringify(items)}\n`
          : items.length === 0
            ? 'No incidents.\n'
            : `${items.map(line).join('\n')}\n`,
      );
      return 0;
    },
  },
);

const show = incidentSubcommand('show ID', `show: the incident, its suspected changes and its timeline`, {
  name: 'incident show',
  options: { ...common },
  async run({ values, positionals, io }) {
    const format = formatOption(values.format);
    const id = idOf(positionals, 'show');
    const to = target(values, io, false);
    const detail = (await sendJson(to, 'GET', `/api/v1/incidents/${id}`, undefined)) as DetailJson;
    io.out(format === 'json' ? `${JSON.stringify(detail)}\n` : detailText(detail, to.server));
    return 0;
  },
});

const update = incidentSubcommand(
  'update ID [--status S] [--severity SEV] [--title T] [--lead N] [--milestone NAME=TIME] …',
  `update (needs incidents:write; every change is on the incident's history):
  --status STATUS          ${MILESTONES.join(', ')}
  --severity SEV, --title TEXT, --impact TEXT
  --lead NAME, --communications NAME  ("" clears the role)
  --milestone NAME=TIME    set a milestone's time (repeatable), e.g. acknowledged=2026-12-07T09:12Z
  --link-deployment ID     the deployment (change id) it counts against in DORA; "none" unlinks`,
  {
    name: 'incident update',
    options: {
      ...common,
      status: { type: 'string' },
      severity: { type: 'string' },
      title: { type: 'string' },
      impact: { type: 'string' },
      lead: { type: 'string' },
      communications: { type: 'string' },
      milestone: { type: 'string', multiple: true },
      'link-deployment': { type: 'string' },
    },
    async run({ values, positionals, io }) {
      const format = formatOption(values.format);
      const id = idOf(positionals, 'update');
      const milestones: Record<string, string> = {};
      for (const pair of values.milestone ?? []) {
        const [name, time] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
        if (!pair.includes('=') || !(MILESTONES as readonly string[]).includes(name))
          throw new UsageError(
            `--milestone must be NAME=TIME with NAME one of ${MILESTONES.join(', ')}`,
            'For example --milestone acknowledged=2026-12-07T09:12:00Z',
          );
        milestones[name] = time;
      }
      const link = values['link-deployment'];
      if (link !== undefined && link !== 'none' && !/^\d{1,15}$/.test(link))
        throw new UsageError(
          '--link-deployment must be a change id or "none"',
          'The id is in `atrium incident show`’s timeline or GET /api/v1/incidents/{id}.',
        );
      const role = (value: string | undefined) => (value === undefined ? undefined : value === '' ? null : value);
      const roles = { lead: role(values.lead), communications: role(values.communications) };
      const body = {
        ...(values.status ? { status: values.status } : {}),
        ...(values.severity ? { severity: values.severity } : {}),
        ...(values.title ? { title: values.title } : {}),
        ...(values.impact !== undefined ? { customerImpact: values.impact } : {}),
        ...(roles.lead !== undefined || roles.communications !== undefined
          ? { roles: Object.fromEntries(Object.entries(roles).filter(([, v]) => v !== undefined)) }
          : {}),
        ...(Object.keys(milestones).length > 0 ? { milestones } : {}),
        ...(link !== undefined ? { linkedDeployment: link === 'none' ? null : Number(link) } : {}),
      };
      if (Object.keys(body).length === 0)
        throw new UsageError('Nothing to change', 'See `atrium incident update --help`.');
      const incident = (await sendJson(
        target(values, io, true),
        'PATCH',
        `/api/v1/incidents/${id}`,
        body,
      )) as IncidentJson;
      printIncident(io, format, 'updated', incident);
      return 0;
    },
  },
);

const note = incidentSubcommand(
  'note ID --body TEXT [--by NAME]',
  `note (needs incidents:write):
  --body TEXT              Markdown (shown escaped)
  --by NAME                who wrote it (default: the token's name)`,
  {
    name: 'incident note',
    options: { ...common, body: { type: 'string' }, by: { type: 'string' } },
    async run({ values, positionals, io }) {
      const format = formatOption(values.format);
      const id = idOf(positionals, 'note');
      if (!values.body)
        throw new UsageError('Missing --body', 'For example atrium incident note 12 --body "Rolled back the flag"');
      const added = (await sendJson(target(values, io, true), 'POST', `/api/v1/incidents/${id}/notes`, {
        body: values.body,
        ...(values.by ? { by: values.by } : {}),
      })) as { id: number; at: string };
      io.out(format === 'json' ? `${JSON.stringify(added)}\n` : `noted on #${id} at ${added.at}\n`);
      return 0;
    },
  },
);

const resolve = incidentSubcommand(
  'resolve ID [--at TIME]',
  `resolve (needs incidents:write; notifies the owning teams):
  --at TIME                when it was resolved (default: now)`,
  {
    name: 'incident resolve',
    options: { ...common, at: { type: 'string' } },
    async run({ values, positionals, io }) {
      const format = formatOption(values.format);
      const id = idOf(positionals, 'resolve');
      const incident = (await sendJson(
        target(values, io, true),
        'POST',
        `/api/v1/incidents/${id}/resolve`,
        values.at ? { at: values.at } : {},
      )) as IncidentJson;
      printIncident(io, format, 'resolved', incident);
      return 0;
    },
  },
);

/** The incident subcommands this room defines; others are appended by `incidentCommand`. */
export const INCIDENT_SUBCOMMANDS: readonly IncidentSubcommand[] = [declare, list, show, update, note, resolve];

/** `atrium incident`: the table's rows as subcommands, one help for them all. */
export function incidentCommand(extra: readonly IncidentSubcommand[] = []): Command {
  const rows = [...INCIDENT_SUBCOMMANDS, ...extra];
  const help = `Usage: ${rows.map((r) => `atrium incident ${r.usage}`).join('\n       ')}

Incidents on an Atrium server: declared on a service, their status, milestones, roles,
notes and resolution; \`show\` prints the suspected changes and the timeline assembled
from the services' deployments, switches, flag changes and alerts.

${rows.map((r) => r.details).join('\n\n')}

${COMMON}`;
  return {
    name: 'incident',
    help,
    async run(args, io) {
      const [sub, ...rest] = args;
      if (sub === undefined || sub === '--help' || sub === '-h') {
        io.out(help);
        return sub === undefined ? EXIT_USAGE : 0;
      }
      const row = rows.find((r) => r.name === sub);
      if (!row)
        throw new UsageError(
          `Unknown subcommand "${sub}"`,
          `One of ${rows.map((r) => r.name).join(', ')}; see \`atrium incident --help\`.`,
        );
      return row.command.run(rest, io);
    },
  };
}

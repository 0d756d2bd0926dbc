import { durationMs } from '../checks/check-definition.ts';
import type { CheckStatusView } from '../checks/model.ts';
import type { MaintenanceView } from '../checks/service.ts';
import { UsageError } from '../platform/errors.ts';
import { apiTarget, sendJson } from './api-client.ts';
import { formatOption } from './args.ts';
import { defineCommand } from './command.ts';
import type { CommandIO } from './io.ts';

const help = `Usage: atrium checks status [NAMESPACE/NAME] [options]
       atrium checks maintenance list NAMESPACE/NAME [options]
       atrium checks maintenance add NAMESPACE/NAME (--end TIME | --for DURATION) [--start TIME] [--reason TEXT]
       atrium checks maintenance remove NAMESPACE/NAME ID [options]

Shows synthetic checks through a running server: without a name, every check with its
status (pending, passing, degraded, failing) and how many locations fail; with one, that
check's state at each location, its last run and its last failure with the reason.

maintenance list shows a check's windows not yet ended (the catalog's and those
added here); add opens one (alerts held, runs still recorded), remove takes one
added here away by its id (catalog windows are removed in the catalog). add and
remove need a token with checks:write.

  --server URL             the Atrium server (default: ATRIUM_URL)
  --token TOKEN            a token (default: ATRIUM_TOKEN; prefer the variable)
  --service REF            status: only the checks of this service (component:default/api)
  --status STATUS          status: only checks in this status
  --start TIME             add: ISO 8601 with a zone (default: now)
  --end TIME               add: ISO 8601 with a zone, after the start (at most 31 days)
  --for DURATION           add: instead of --end, e.g. 30m or 2h
  --reason TEXT            add: why (at most 200 characters)
  --idempotency-key KEY    add, remove: default a new UUID per invocation (retries reuse it)
  --format FORMAT          text (default) or json
  -h, --help               show this help

Exit status: 0 shown or done (whatever the checks' status), 64 bad usage, 65 no
such check or window, or a window refused, 75 server unreachable or busy after retries.
`;

const NAME = /^([a-z0-9][a-z0-9._-]{0,62})\/([A-Za-z0-9][A-Za-z0-9._-]{0,62})$/;
const STATUSES = ['pending', 'passing', 'degraded', 'failing'];

function listText(items: readonly CheckStatusView[], total: number): string {
  if (items.length === 0) return 'No checks.\n';
  const width = Math.max(...items.map((c) => c.key.length));
  const lines = items.map((c) => {
    const failing = c.locations.filter((l) => l.status === 'failing').length;
    return `${c.key.padEnd(width)}  ${c.status.padEnd(8)}  ${failing}/${c.locations.length} locations failing${c.inMaintenance ? '  (maintenance)' : ''}`;
  });
  if (total > items.length) lines.push(`… ${total - items.length} more (narrow with --service or --status)`);
  return `${lines.join('\n')}\n`;
}

function checkText(c: CheckStatusView): string {
  const lines = [
    `${c.key}: ${c.status}${c.inMaintenance ? ' (maintenance: alerts held)' : ''} — ${c.type} every ${c.interval}, service ${c.service}`,
  ];
  for (const l of c.locations)
    lines.push(
      `  ${l.location}: ${l.status}${l.lastRunAt ? `, last run ${l.lastRunAt}` : ''}${l.lastFailureAt ? `, last failure ${l.lastFailureAt}: ${l.lastFailureReason ?? ''}` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}

function windowsText(items: readonly MaintenanceView[]): string {
  if (items.length === 0) return 'No maintenance windows.\n';
  const lines = items.map(
    (w) =>
      `${(w.id ?? 'catalog').padEnd(8)}  ${w.start} → ${w.end}${w.open ? '  (open)' : ''}${w.reason ? `  ${w.reason}` : ''}${w.createdBy ? `  by ${w.createdBy}` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

function checkPath(name: string | undefined): string {
  if (name === undefined)
    throw new UsageError(
      'Missing NAMESPACE/NAME',
      'For example atrium checks maintenance list default/shipments-health',
    );
  const match = NAME.exec(name);
  if (!match)
    throw new UsageError(`"${name.slice(0, 100)}" is not NAMESPACE/NAME`, 'For example default/shipments-health');
  return `/api/v1/checks/${match[1]}/${match[2]}/maintenance`;
}

/** The window `add` sends: --end, or --start (default now) plus --for. */
function windowOf(values: { start?: string; end?: string; for?: string; reason?: string }, now: number) {
  const start = values.start ?? new Date(now).toISOString();
  if ((values.end === undefined) === (values.for === undefined))
    throw new UsageError('Give either --end or --for', 'For example --for 2h, or --end 2026-12-25T02:00:00Z');
  let end = values.end;
  if (values.for !== undefined) {
    const ms = durationMs(values.for);
    const from = Date.parse(start);
    if (ms === undefined || ms <= 0)
      throw new UsageError(`--for must be a duration like 30m or 2h`, 'For example --for 2h');
    if (Number.isNaN(from))
      throw new UsageError('--start is not a time', 'Write ISO 8601 with a zone, e.g. 2026-12-24T22:00:00Z.');
    end = new Date(Math.min(from + ms, 8.64e15)).toISOString();
  }
  return { start, end, ...(values.reason === undefined ? {} : { reason: values.reason }) };
}

async function maintenance(
  positionals: readonly string[],
  values: {
    start?: string;
    end?: string;
    for?: string;
    reason?: string;
    'idempotency-key'?: string;
    server?: string;
    token?: string;
  },
  format: 'text' | 'json',
  io: CommandIO,
): Promise<number> {
  const [verb, name, id, ...rest] = positionals;
  const extra = verb === 'remove' ? rest[0] : (id ?? rest[0]);
  if (extra !== undefined)
    throw new UsageError(`Unexpected argument "${extra.slice(0, 40)}"`, 'See `atrium checks --help`.');
  const onRetry = (m: string) => io.err(`atrium checks: ${m}\n`);
  const options = { idempotencyKey: values['idempotency-key'], onRetry };
  if (verb === 'list') {
    const path = checkPath(name);
    const target = apiTarget(values.server, values.token, io.env, 'checks', false);
    const { items } = (await sendJson(target, 'GET', path, undefined, { onRetry })) as { items: MaintenanceView[] };
    io.out(format === 'json' ? `${JSON.stringify({ items })}\n` : windowsText(items));
    return 0;
  }
  if (verb === 'add') {
    const path = checkPath(name);
    const body = windowOf(values, Date.now());
    const target = apiTarget(values.server, values.token, io.env, 'checks');
    const added = (await sendJson(target, 'POST', path, body, options)) as MaintenanceView;
    io.out(
      format === 'json'
        ? `${JSON.stringify(added)}\n`
        : `Added maintenance window ${added.id}: ${added.start} → ${added.end}\n`,
    );
    return 0;
  }
  if (verb === 'remove') {
    const path = checkPath(name);
    if (id === undefined || !/^\d{1,20}$/.test(id))
      throw new UsageError('Missing or bad ID', 'Give the id `atrium checks maintenance list` shows.');
    const target = apiTarget(values.server, values.token, io.env, 'checks');
    await sendJson(target, 'DELETE', `${path}/${id}`, undefined, options);
    io.out(format === 'json' ? `${JSON.stringify({ removed: id })}\n` : `Removed maintenance window ${id}\n`);
    return 0;
  }
  throw new UsageError(
    verb === undefined ? 'Missing maintenance action' : `Unknown maintenance action "${verb.slice(0, 40)}"`,
    'Use atrium checks maintenance list|add|remove (see `atrium checks --help`).',
  );
}

export const checksCommand = defineCommand({
  name: 'checks',
  help,
  options: {
    server: { type: 'string' },
    token: { type: 'string' },
    service: { type: 'string' },
    status: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    for: { type: 'string' },
    reason: { type: 'string' },
    'idempotency-key': { type: 'string' },
    format: { type: 'string', default: 'text' },
  },
  async run({ values, positionals, io }) {
    const format = formatOption(values.format);
    const [action, name, ...rest] = positionals;
    if (action === 'maintenance') return maintenance(positionals.slice(1), values, format, io);
    if (action !== 'status')
      throw new UsageError(
        action === undefined ? 'Missing action' : `Unknown action "${action.slice(0, 40)}"`,
        'Use atrium checks status [NAMESPACE/NAME] or atrium checks maintenance list|add|remove (see `atrium checks --help`).',
      );
    if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}"`, 'See `atrium checks --help`.');
    if (values.status !== undefined && !STATUSES.includes(values.status))
      throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`, 'For example --status failing');
    const target = apiTarget(values.server, values.token, io.env, 'checks', false);
    const onRetry = (m: string) => io.err(`atrium checks: ${m}\n`);
    if (name !== undefined) {
      const match = NAME.exec(name);
      if (!match)
        throw new UsageError(`"${name.slice(0, 100)}" is not NAMESPACE/NAME`, 'For example default/shipments-health');
      const check = (await sendJson(target, 'GET', `/api/v1/checks/${match[1]}/${match[2]}`, undefined, {
        onRetry,
      })) as CheckStatusView;
      io.out(format === 'json' ? `${JSON.stringify(check)}\n` : checkText(check));
      return 0;
    }
    const query = new URLSearchParams({ limit: '500' });
    if (values.service) query.set('service', values.service);
    if (values.status) query.set('status', values.status);
    const page = (await sendJson(target, 'GET', `/api/v1/checks?${query}`, undefined, { onRetry })) as {
      items: CheckStatusView[];
      total: number;
    };
    io.out(format === 'json' ? `${JSON.stringify(page)}\n` : listText(page.items, page.total));
    return 0;
  },
});

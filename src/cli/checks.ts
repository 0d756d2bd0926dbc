import type { CheckStatusView } from '../checks/model.ts';
import { UsageError } from '../platform/errors.ts';
import { apiTarget, sendJson } from './api-client.ts';
import { formatOption } from './args.ts';
import { defineCommand } from './command.ts';

const help = `Usage: atrium checks status [NAMESPACE/NAME] [options]

Shows synthetic checks through a running server: without a name, every check with its
status (pending, passing, degraded, failing) and how many locations fail; with one, that
check's state at each location, its last run and its last failure with the reason.

  --server URL             the Atrium server (default: ATRIUM_URL)
  --token TOKEN            a token, if the server asks for one (default: ATRIUM_TOKEN)
  --service REF            only the checks of this service (component:default/api)
  --status STATUS          only checks in this status
  --format FORMAT          text (default) or json
  -h, --help               show this help

Exit status: 0 shown (whatever the checks' status), 64 bad usage, 65 no such check,
75 server unreachable or busy after retries.
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

export const checksCommand = defineCommand({
  name: 'checks',
  help,
  options: {
    server: { type: 'string' },
    token: { type: 'string' },
    service: { type: 'string' },
    status: { type: 'string' },
    format: { type: 'string', default: 'text' },
  },
  async run({ values, positionals, io }) {
    const format = formatOption(values.format);
    const [action, name, ...rest] = positionals;
    if (action !== 'status')
      throw new UsageError(
        action === undefined ? 'Missing action' : `Unknown action "${action}"`,
        'Use atrium checks status [NAMESPACE/NAME] (see `atrium checks --help`).',
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

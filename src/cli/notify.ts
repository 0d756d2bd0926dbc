import { CatalogReadStore } from '../catalog/read-store.ts';
import type { OutboxEntry } from '../notifications/model.ts';
import { Outbox } from '../notifications/outbox.ts';
import { receiversFrom } from '../notifications/receivers/receivers.ts';
import { NotificationService } from '../notifications/service.ts';
import { NotificationStore } from '../notifications/store.ts';
import { UsageError } from '../platform/errors.ts';
import { apiTarget, sendJson } from './api-client.ts';
import { formatOption } from './args.ts';
import { defineCommand, withDatabase } from './command.ts';

const help = `Usage: atrium notify test --team REF [options]

Sends a test notification to each of a team's receivers (atrium.yaml's
notifications.teams, and the receivers the Group's atrium.dev/notification-receivers
annotation names): a trigger of severity info and its resolve, so PagerDuty closes
the incident it opens. Receivers are named, never shown by URL.

  --team REF               the team, e.g. checkout or group:default/checkout

Through a running server (the default):
  --server URL             the Atrium server (default: ATRIUM_URL)
  --token TOKEN            a token with pages:write (default: ATRIUM_TOKEN; prefer the variable)
  --idempotency-key KEY    default: a new UUID per invocation (retries reuse it)

Directly, without a server:
  --database PATH|URL      queue the messages in this database's outbox (its catalog
                           names the team) and attempt their delivery once here, with
                           the receivers of this working directory's atrium.yaml (a
                           resolve waits for its trigger, so it stays queued); what is
                           still queued, a server on the database delivers later

  --format FORMAT          text (default) or json
  -h, --help               show this help

Exit status: 0 queued, 64 bad usage, 65 refused (not a team, no receivers: the
message says which), 75 server unreachable or busy after retries, 78 bad atrium.yaml
or database.
`;

interface TestResult {
  team: string;
  receivers: string[];
  problems: string[];
  items: { id: number; receiver: string; action: string; status: string; dedupKey: string; lastError?: string }[];
}

function itemOf(entry: OutboxEntry): TestResult['items'][number] {
  return {
    id: entry.id,
    receiver: entry.receiver,
    action: entry.message.action,
    status: entry.status,
    dedupKey: entry.dedupKey,
    ...(entry.lastError ? { lastError: entry.lastError } : {}),
  };
}

function resultText(result: TestResult): string {
  const lines = [`Test notification for ${result.team} to ${result.receivers.join(', ')}:`];
  for (const item of result.items)
    lines.push(
      `  ${item.receiver} ${item.action}: ${item.status} → id ${item.id}${item.lastError ? ` (${item.lastError})` : ''}`,
    );
  for (const problem of result.problems) lines.push(`  warning: ${problem}`);
  return `${lines.join('\n')}\n`;
}

export const notifyCommand = defineCommand({
  name: 'notify',
  help,
  options: {
    team: { type: 'string' },
    server: { type: 'string' },
    token: { type: 'string' },
    database: { type: 'string' },
    'idempotency-key': { type: 'string' },
    format: { type: 'string', default: 'text' },
  },
  async run({ values, positionals, io, loadConfig }) {
    const format = formatOption(values.format);
    const [action, ...rest] = positionals;
    if (action !== 'test')
      throw new UsageError(
        action === undefined ? 'Missing action' : `Unknown action "${action}"`,
        'Use atrium notify test --team REF (see `atrium notify --help`).',
      );
    if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}"`, 'See `atrium notify --help`.');
    if (!values.team) throw new UsageError('Missing --team', 'For example --team checkout');
    const team = values.team;
    let result: TestResult;
    if (values.database !== undefined) {
      if (values.server !== undefined)
        throw new UsageError('--database and --server exclude each other', 'Give one of them.');
      const config = loadConfig({ database: values.database });
      result = await withDatabase(config, async (database) => {
        const outbox = new Outbox(new NotificationStore(database), receiversFrom(config.receivers));
        const catalog = new CatalogReadStore(database);
        const notifications = new NotificationService((keys) => catalog.descriptorsOf(keys), outbox, {
          teams: config.teamReceivers,
        });
        const { notified } = await notifications.sendTest(team, 'atrium-cli');
        await outbox.deliverDue(
          undefined,
          notified.entries.map((e) => e.id),
        );
        const entries = await Promise.all(notified.entries.map(async (e) => (await outbox.entry(e.id)) ?? e));
        return { ...notified, items: entries.map(itemOf) };
      });
    } else {
      const target = apiTarget(values.server, values.token, io.env, 'notify');
      result = (await sendJson(
        target,
        'POST',
        '/api/v1/notifications/test',
        { team },
        { idempotencyKey: values['idempotency-key'], onRetry: (m) => io.err(`atrium notify: ${m}\n`) },
      )) as TestResult;
    }
    io.out(format === 'json' ? `${JSON.stringify(result)}\n` : resultText(result));
    return 0;
  },
});

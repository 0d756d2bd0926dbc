import { MESSAGE_MAX } from '../paging/model.ts';
import { UsageError } from '../platform/errors.ts';
import { apiTarget, sendJson } from './api-client.ts';
import { formatOption } from './args.ts';
import { defineCommand } from './command.ts';

const help = `Usage: atrium page --service REF --message TEXT [options]

Pages a service's on-call through a running Atrium server (POST /api/v1/pages): the
server queues a PagerDuty Events v2 trigger (or the service's configured receiver's
message) in its notification outbox, and delivers it in the background.

  --service REF            e.g. shipment-service or component:default/shipment-service
  --message TEXT           what is wrong (1–${MESSAGE_MAX} characters)
  --by NAME                who is paging (default: the token's name)
  --server URL             the Atrium server (default: ATRIUM_URL)
  --token TOKEN            a token with pages:write (default: ATRIUM_TOKEN; prefer the variable)
  --idempotency-key KEY    default: a new UUID per invocation; retries reuse it, so a
                           retried page pages no one twice
  --format FORMAT          text (default) or json
  -h, --help               show this help

Prints "queued → id N (dedup key …)"; \`GET /api/v1/pages/N\` says how it went.

Exit status: 0 queued, 64 bad usage, 65 refused (unknown service, no receiver for it,
bad message or token: the message says which), 75 server unreachable or busy after
retries.
`;

export const pageCommand = defineCommand({
  name: 'page',
  help,
  options: {
    service: { type: 'string' },
    message: { type: 'string' },
    by: { type: 'string' },
    server: { type: 'string' },
    token: { type: 'string' },
    'idempotency-key': { type: 'string' },
    format: { type: 'string', default: 'text' },
  },
  async run({ values, positionals, io }) {
    const format = formatOption(values.format);
    if (positionals.length > 0)
      throw new UsageError(
        `Unexpected argument "${positionals[0]}"`,
        'Give the message with --message "…" (quoted), see `atrium page --help`.',
      );
    const missing = (['service', 'message'] as const).filter((name) => !values[name]);
    if (missing.length > 0)
      throw new UsageError(
        `Missing ${missing.map((m) => `--${m}`).join(', ')}`,
        'For example atrium page --service shipment-service --message "checkout fails"',
      );
    const target = apiTarget(values.server, values.token, io.env, 'page');
    const page = (await sendJson(
      target,
      'POST',
      '/api/v1/pages',
      { service: values.service, message: values.message, ...(values.by ? { by: values.by } : {}) },
      { idempotencyKey: values['idempotency-key'], onRetry: (m) => io.err(`atrium page: ${m}\n`) },
    )) as { id: number; status: string; receiver: string; dedupKey: string };
    io.out(
      format === 'json'
        ? `${JSON.stringify(page)}\n`
        : `${page.status} → id ${page.id} via ${page.receiver} (dedup key ${page.dedupKey})\n`,
    );
    return 0;
  },
});

import { parseEntityRef } from '../platform/entity-ref.ts';
import { UsageError } from '../platform/errors.ts';
import { apiTarget, sendJson } from './api-client.ts';
import { formatOption } from './args.ts';
import { defineCommand } from './command.ts';

const help = `Usage: atrium jobs run|suspend|resume|cancel JOB [options]

Acts on a scheduled job (kind Job) through a running server; each action is
recorded on the job's service timeline.

run      order a run now, beside the schedule (not for heartbeat jobs)
suspend  order no tick until resumed (the ticks meanwhile are not caught up)
resume   order ticks again from the next one
cancel   cancel the job's unfinished runs (a running one stops at its runner's
         next lease renewal)

JOB is the job's reference: nightly-rate-import, default/nightly-rate-import or
job:default/nightly-rate-import.

  --server URL             the Atrium server (default: ATRIUM_URL)
  --token TOKEN            a token with jobs:write (default: ATRIUM_TOKEN; prefer the variable)
  --idempotency-key KEY    default: a new UUID per invocation (retries reuse it)
  --format FORMAT          text (default) or json
  -h, --help               show this help

Exit status: 0 done, 64 bad usage, 65 refused (no such job; run of a heartbeat
job), 75 server unreachable or busy after retries.
`;

const ACTIONS = { run: 'run-now', suspend: 'suspend', resume: 'resume', cancel: 'cancel' } as const;
const WORDS: Record<(typeof ACTIONS)[keyof typeof ACTIONS], string> = {
  'run-now': 'Run ordered',
  suspend: 'Suspended',
  resume: 'Resumed',
  cancel: 'Cancelled the unfinished runs of',
};

interface ActionResult {
  job: string;
  action: keyof typeof WORDS;
  tick?: number;
  cancelled?: number;
  replayed: boolean;
}

function resultText(result: ActionResult): string {
  const detail =
    result.action === 'run-now' && result.tick !== undefined
      ? ` (tick ${new Date(result.tick).toISOString()})`
      : result.action === 'cancel'
        ? ` (${result.cancelled ?? 0} run${result.cancelled === 1 ? '' : 's'})`
        : '';
  return `${WORDS[result.action]} ${result.job}${detail}${result.replayed ? ', as before (replayed)' : ''}\n`;
}

export const jobsCommand = defineCommand({
  name: 'jobs',
  help,
  options: {
    server: { type: 'string' },
    token: { type: 'string' },
    'idempotency-key': { type: 'string' },
    format: { type: 'string', default: 'text' },
  },
  async run({ values, positionals, io }) {
    const format = formatOption(values.format);
    const [verb, ref, ...rest] = positionals;
    const action =
      verb !== undefined && Object.hasOwn(ACTIONS, verb) ? ACTIONS[verb as keyof typeof ACTIONS] : undefined;
    if (!action)
      throw new UsageError(
        verb === undefined ? 'Missing action' : `Unknown action "${verb.slice(0, 40)}"`,
        'Use atrium jobs run|suspend|resume|cancel JOB (see `atrium jobs --help`).',
      );
    if (ref === undefined) throw new UsageError('Missing JOB', 'For example atrium jobs run nightly-rate-import');
    if (rest.length > 0)
      throw new UsageError(`Unexpected argument "${rest[0]?.slice(0, 40)}"`, 'See `atrium jobs --help`.');
    let name: { kind: string; namespace: string; name: string };
    try {
      name = parseEntityRef(ref, { defaultKind: 'Job', defaultNamespace: 'default' });
    } catch {
      throw new UsageError(
        `"${ref.slice(0, 80)}" is not a job reference`,
        'Write name, namespace/name or job:namespace/name.',
      );
    }
    if (name.kind.toLowerCase() !== 'job')
      throw new UsageError(`${ref.slice(0, 80)} is not a Job`, 'Name a job: job:namespace/name, or just its name.');
    const target = apiTarget(values.server, values.token, io.env, 'jobs');
    const path = `/api/v1/jobs/${encodeURIComponent(name.namespace)}/${encodeURIComponent(name.name)}/${action}`;
    const result = (await sendJson(target, 'POST', path, undefined, {
      idempotencyKey: values['idempotency-key'],
      onRetry: (m) => io.err(`atrium jobs: ${m}\n`),
    })) as ActionResult;
    io.out(format === 'json' ? `${JSON.stringify(result)}\n` : resultText(result));
    return 0;
  },
});

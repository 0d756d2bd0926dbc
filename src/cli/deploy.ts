import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UsageError } from '../platform/errors.ts';
import { apiTarget, sendJson } from './api-client.ts';
import { formatOption } from './args.ts';
import { defineCommand } from './command.ts';

const run = promisify(execFile);

const help = `Usage: atrium deploy record --service REF --environment ENV --version V --status STATUS [options]
       atrium deploy switch --service REF --environment ENV --slot blue|green [options]

Records a deployment (or a blue/green traffic switch) on an Atrium server, from a CI
pipeline. Needs a token with the deployments:write scope in ATRIUM_TOKEN. Retries on
429/503 (after Retry-After) and network errors with one idempotency key, so a retried
step never records twice.

record:
  --service REF            the service's entity reference (a bare name is a Component)
  --environment ENV        e.g. production
  --version V              e.g. 1.42.0 or a commit id
  --status STATUS          succeeded, failed or rolled_back
  --started-at TIME        ISO-8601 with offset (default: --finished-at)
  --finished-at TIME       ISO-8601 with offset (default: now)
  --commit SHA@TIME        a commit this deployment brings, with its commit time
                           (repeatable; for lead time)
  --commits-from-git RANGE read the commits from \`git log RANGE\` in the working
                           directory, e.g. v1.41.0..HEAD or \${{ github.event.before }}..\${{ github.sha }}
  --strategy S             blue-green, rolling, canary or recreate
  --slot blue|green        with --strategy blue-green: the slot deployed to
  --url URL                the pipeline run or release
  --actor NAME             who deployed (default: the token's name)

switch:
  --slot blue|green        the slot that now takes the traffic
  --at TIME                when (default: now)
  --reason TEXT            why, shown on the timeline

common:
  --server URL             the Atrium server (default: ATRIUM_URL)
  --token TOKEN            (default: ATRIUM_TOKEN; prefer the variable: options show in process lists)
  --idempotency-key KEY    default: a new UUID per invocation
  --format FORMAT          text (default) or json (the recorded event)
  -h, --help               show this help

Exit status: 0 recorded, 64 bad usage, 65 refused (unknown service, bad token,
invalid field: the message says which), 75 server unreachable or busy after retries.
`;

const nowIso = () => new Date().toISOString();

function commitOption(value: string): { sha: string; committedAt: string } {
  const at = value.indexOf('@');
  if (at < 1)
    throw new UsageError(
      `--commit must be SHA@TIME, not "${value}"`,
      'For example --commit 3f2a1b9c@2026-11-27T10:00:00Z',
    );
  return { sha: value.slice(0, at), committedAt: value.slice(at + 1) };
}

/** Commits of a git range with their committer times, newest first, at most 1,000 (what the API accepts). */
async function commitsFromGit(range: string, cwd: string): Promise<{ sha: string; committedAt: string }[]> {
  if (range.startsWith('-'))
    throw new UsageError(
      `--commits-from-git takes a revision range, not "${range}"`,
      'For example --commits-from-git v1.41.0..HEAD',
    );
  try {
    const { stdout } = await run('git', ['log', '--format=%H %cI', '--max-count=1000', range, '--'], {
      cwd,
      maxBuffer: 4 * 1024 * 1024,
    });
    return stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [sha, committedAt] = l.split(' ') as [string, string];
        return { sha, committedAt };
      });
  } catch (err) {
    throw new UsageError(
      `git log ${range} failed: ${((err as { stderr?: string }).stderr ?? (err as Error).message).trim()}`,
      'Run the step in a checkout with enough history (actions/checkout with fetch-depth: 0).',
    );
  }
}

export const deployCommand = defineCommand({
  name: 'deploy',
  help,
  options: {
    service: { type: 'string' },
    environment: { type: 'string' },
    version: { type: 'string' },
    status: { type: 'string' },
    'started-at': { type: 'string' },
    'finished-at': { type: 'string' },
    commit: { type: 'string', multiple: true },
    'commits-from-git': { type: 'string' },
    strategy: { type: 'string' },
    slot: { type: 'string' },
    url: { type: 'string' },
    actor: { type: 'string' },
    at: { type: 'string' },
    reason: { type: 'string' },
    server: { type: 'string' },
    token: { type: 'string' },
    'idempotency-key': { type: 'string' },
    format: { type: 'string', default: 'text' },
  },
  async run({ values, positionals, io }) {
    const format = formatOption(values.format);
    const [action, ...rest] = positionals;
    if (action !== 'record' && action !== 'switch')
      throw new UsageError(
        action === undefined ? 'Missing action' : `Unknown action "${action}"`,
        'Use atrium deploy record or atrium deploy switch (see `atrium deploy --help`).',
      );
    if (rest.length > 0)
      throw new UsageError(
        `Unexpected argument "${rest[0]}"`,
        'Every value is given with an option (see `atrium deploy --help`).',
      );
    const required =
      action === 'record'
        ? (['service', 'environment', 'version', 'status'] as const)
        : (['service', 'environment', 'slot'] as const);
    const missing = required.filter((name) => !values[name]);
    if (missing.length > 0)
      throw new UsageError(
        `Missing ${missing.map((m) => `--${m}`).join(', ')}`,
        `See \`atrium deploy --help\` for what ${action} needs.`,
      );
    const target = apiTarget(values.server, values.token, io.env, 'deploy');
    let path: string;
    let body: Record<string, unknown>;
    if (action === 'record') {
      if (values.commit && values['commits-from-git'])
        throw new UsageError(
          'Give --commit or --commits-from-git, not both',
          'Use --commits-from-git in CI; --commit for a few commits by hand.',
        );
      const finishedAt = values['finished-at'] ?? nowIso();
      const commits = values['commits-from-git']
        ? await commitsFromGit(values['commits-from-git'], io.cwd)
        : (values.commit ?? []).map(commitOption);
      path = '/api/v1/deployments';
      body = {
        service: values.service,
        environment: values.environment,
        version: values.version,
        status: values.status,
        startedAt: values['started-at'] ?? finishedAt,
        finishedAt,
        commits,
        ...(values.strategy ? { strategy: values.strategy } : {}),
        ...(values.slot ? { slot: values.slot } : {}),
        ...(values.url ? { url: values.url } : {}),
        ...(values.actor ? { actor: values.actor } : {}),
      };
    } else {
      path = '/api/v1/traffic-switches';
      body = {
        service: values.service,
        environment: values.environment,
        slot: values.slot,
        at: values.at ?? nowIso(),
        ...(values.reason ? { reason: values.reason } : {}),
        ...(values.url ? { url: values.url } : {}),
        ...(values.actor ? { actor: values.actor } : {}),
      };
    }
    const saved = (await sendJson(target, 'POST', path, body, {
      idempotencyKey: values['idempotency-key'],
      onRetry: (message) => io.err(`atrium deploy: ${message}\n`),
    })) as { id: number; service: string; summary: string };
    if (format === 'json') io.out(`${JSON.stringify(saved)}\n`);
    else io.out(`Recorded #${saved.id} for ${saved.service}: ${saved.summary}\n`);
    return 0;
  },
});

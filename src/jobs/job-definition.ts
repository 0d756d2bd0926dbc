import type { Entity } from '../catalog/model.ts';
import { isTimeZone } from '../oncall/wall-clock.ts';
import { parseEntityRef, refKey } from '../platform/entity-ref.ts';
import { MAX_CATCH_UP } from './catch-up.ts';
import type { CatchUp, ConcurrencyPolicy, JobAction, JobDefinition } from './model.ts';
import { scheduleProblem } from './schedule.ts';

/**
 * Atrium's `kind: Job` as written, what its checks beyond the schema say, and how a stored
 * one becomes the capability's JobDefinition. Pure.
 *
 * @example
 * // spec: { service: component:rate-card-importer, schedule: "0 2 * * *", timeZone: Europe/Berlin,
 * //         action: { http: { method: POST, url: "https://rates.internal/import" } } }
 * jobDefinition(entity, 'group:default/pricing');
 * // { key: 'job:default/nightly-rate-import', schedule: '0 2 * * *', action: { type: 'http', ... }, ... }
 */

/** An action as written: exactly one of its three keys. */
export interface JobActionSpec {
  http?: { method: string; url: string; headers?: Record<string, string>; body?: string };
  command?: { args: string[]; workingDirectory?: string; environment?: Record<string, string>; shell?: boolean };
  heartbeat?: { grace: string };
}

/** A Job's spec as written (after the catalog's schema checked its shape). */
export interface JobSpec {
  service: string;
  owner?: string;
  description?: string;
  schedule: string;
  timeZone?: string;
  concurrencyPolicy?: ConcurrencyPolicy;
  startingDeadline?: string;
  timeout?: string;
  retries?: { count: number; backoff?: string };
  suspend?: boolean;
  tags?: string[];
  location?: string;
  catchUp?: 'none' | 'last' | number;
  action: JobActionSpec;
}

export interface JobSpecIssue {
  path: (string | number)[];
  code: string;
  message: string;
  hint: string;
}

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const MAX_RETRIES = 10;
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const MAX_TIMEOUT_MS = 24 * 3_600_000;
export const DEFAULT_BACKOFF_MS = 30_000;
export const MAX_GRACE_MS = 7 * 24 * 3_600_000;
/** `30s`, `10m`, `2h`, `1d`, `500ms`. */
const DURATION = /^(\d{1,7})(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** A secret's name in `${secret:NAME}`: an environment-variable-like name. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
const SECRET_REFERENCE = /\$\{secret:([^}]*)\}/g;
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
/** An environment variable's name. */
export const ENVIRONMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** A duration in ms, or undefined when it is not one. */
export function durationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  return match ? Number(match[1]) * (UNIT_MS[match[2] as string] as number) : undefined;
}

/** The secret names `text` refers to as `${secret:NAME}` (valid or not: the issues say which are not). */
export function secretReferences(text: string): string[] {
  return [...text.matchAll(SECRET_REFERENCE)].map((m) => m[1] as string);
}

function issue(path: (string | number)[], code: string, message: string, hint: string): JobSpecIssue {
  return { path, code, message, hint };
}

function durationIssue(
  issues: JobSpecIssue[],
  path: (string | number)[],
  value: string | undefined,
  min: number,
  max: number,
): void {
  if (value === undefined) return;
  const ms = durationMs(value);
  if (ms === undefined || ms < min || ms > max)
    issues.push(
      issue(
        path,
        'invalid-duration',
        `${JSON.stringify(value.slice(0, 40))} is not a duration from ${min / 1000}s to ${max / 3_600_000}h`,
        'Write a whole number with a unit: 30s, 10m, 2h or 1d.',
      ),
    );
}

function secretIssues(issues: JobSpecIssue[], path: (string | number)[], text: string): void {
  for (const name of secretReferences(text))
    if (!SECRET_NAME.test(name))
      issues.push(
        issue(
          path,
          'invalid-secret-reference',
          `\${secret:${name.slice(0, 40)}} does not name a secret`,
          `Refer to a secret of the server by name, letters, digits and _: \${secret:RATES_API_KEY}.`,
        ),
      );
}

function httpIssues(issues: JobSpecIssue[], http: NonNullable<JobActionSpec['http']>): void {
  const path = ['action', 'http'];
  if (!(HTTP_METHODS as readonly string[]).includes(http.method.toUpperCase()))
    issues.push(
      issue(
        [...path, 'method'],
        'invalid-method',
        `${http.method.slice(0, 20)} is not an HTTP method a job sends`,
        `Use one of ${HTTP_METHODS.join(', ')}.`,
      ),
    );
  let url: URL | undefined;
  try {
    // Secrets are substituted on the runner: the URL is judged with a placeholder in their place.
    url = new URL(http.url.replace(SECRET_REFERENCE, 'secret'));
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    issues.push(
      issue(
        [...path, 'url'],
        'invalid-url',
        'The URL is not an http or https URL',
        'Write an absolute URL such as https://rates.internal/import (file:, data: and other schemes are refused).',
      ),
    );
  else if (url.username || url.password)
    issues.push(
      issue(
        [...path, 'url'],
        'credentials-in-url',
        'The URL carries credentials',
        `Put credentials in a header that names a secret: Authorization: "Bearer \${secret:RATES_TOKEN}".`,
      ),
    );
  secretIssues(issues, [...path, 'url'], http.url);
  for (const [name, value] of Object.entries(http.headers ?? {})) {
    if (!HEADER_NAME.test(name) || /[\r\n\0]/.test(value))
      issues.push(
        issue(
          [...path, 'headers', name],
          'invalid-header',
          `The header ${JSON.stringify(name.slice(0, 40))} is not a valid header`,
          'Header names are tokens (letters, digits, -); values are one line.',
        ),
      );
    secretIssues(issues, [...path, 'headers', name], value);
  }
  if (http.body !== undefined) secretIssues(issues, [...path, 'body'], http.body);
}

function commandIssues(issues: JobSpecIssue[], command: NonNullable<JobActionSpec['command']>): void {
  const path = ['action', 'command'];
  command.args.forEach((arg, i) => {
    if (arg.includes('\0') || (i === 0 && arg.trim() === ''))
      issues.push(
        issue(
          [...path, 'args', i],
          'invalid-argument',
          i === 0 ? 'The command is empty' : 'An argument holds a NUL character',
          'The first argument is the program (a name the runner allows); the others are passed as they are, no shell.',
        ),
      );
  });
  if (
    command.workingDirectory !== undefined &&
    (!command.workingDirectory.startsWith('/') || command.workingDirectory.includes('\0'))
  )
    issues.push(
      issue(
        [...path, 'workingDirectory'],
        'invalid-working-directory',
        'The working directory is not an absolute path',
        'Write an absolute path the runner allows (its --allow-dir).',
      ),
    );
  for (const [name, value] of Object.entries(command.environment ?? {}))
    if (!ENVIRONMENT_NAME.test(name) || value.includes('\0'))
      issues.push(
        issue(
          [...path, 'environment', name],
          'invalid-environment',
          `${JSON.stringify(name.slice(0, 40))} is not an environment variable name`,
          'Names are letters, digits and _, not starting with a digit.',
        ),
      );
}

/** What the schema cannot say: a real schedule and zone, durations, one action, safe URLs, names. */
export function jobSpecIssues(spec: JobSpec): JobSpecIssue[] {
  const issues: JobSpecIssue[] = [];
  const problem = scheduleProblem(spec.schedule);
  if (problem)
    issues.push(
      issue(
        ['schedule'],
        'invalid-schedule',
        `The schedule ${JSON.stringify(spec.schedule.slice(0, 60))} is not a cron schedule: ${problem}`,
        'Write five fields (minute hour day month weekday), or six with seconds first; L, W and # are understood: "0 2 * * *".',
      ),
    );
  if (spec.timeZone !== undefined && !isTimeZone(spec.timeZone))
    issues.push(
      issue(
        ['timeZone'],
        'unknown-time-zone',
        `"${spec.timeZone.slice(0, 64)}" is not an IANA time zone`,
        'Write the zone the schedule is read in, e.g. Europe/Berlin, America/New_York or UTC.',
      ),
    );
  durationIssue(issues, ['startingDeadline'], spec.startingDeadline, 1000, MAX_TIMEOUT_MS);
  durationIssue(issues, ['timeout'], spec.timeout, 1000, MAX_TIMEOUT_MS);
  durationIssue(issues, ['retries', 'backoff'], spec.retries?.backoff, 1000, MAX_TIMEOUT_MS);
  const actions = (['http', 'command', 'heartbeat'] as const).filter((type) => spec.action[type] !== undefined);
  if (actions.length !== 1)
    issues.push(
      issue(
        ['action'],
        'one-action',
        actions.length === 0
          ? 'The action names nothing to do'
          : `The action names ${actions.join(' and ')}; a job has exactly one`,
        'Write exactly one of http: {method, url}, command: {args: [...]} or heartbeat: {grace}.',
      ),
    );
  const { http, command, heartbeat } = spec.action;
  if (http) httpIssues(issues, http);
  if (command) commandIssues(issues, command);
  if (heartbeat) durationIssue(issues, ['action', 'heartbeat', 'grace'], heartbeat.grace, 1000, MAX_GRACE_MS);
  return issues;
}

function catchUpOf(value: JobSpec['catchUp']): CatchUp {
  if (value === undefined || value === 'none') return { kind: 'none' };
  if (value === 'last') return { kind: 'last' };
  return { kind: 'count', count: Math.min(Math.max(1, value), MAX_CATCH_UP) };
}

function actionOf(action: JobActionSpec): JobAction {
  if (action.http)
    return {
      type: 'http',
      method: action.http.method.toUpperCase(),
      url: action.http.url,
      headers: action.http.headers ?? {},
      ...(action.http.body === undefined ? {} : { body: action.http.body }),
    };
  if (action.command)
    return {
      type: 'command',
      args: action.command.args,
      ...(action.command.workingDirectory === undefined ? {} : { workingDirectory: action.command.workingDirectory }),
      environment: action.command.environment ?? {},
      shell: action.command.shell === true,
    };
  return { type: 'heartbeat', graceMs: durationMs(action.heartbeat?.grace ?? '') ?? 0 };
}

/** The secret names an action reads (`${secret:NAME}` in an http action's URL, headers and body). */
export function actionSecrets(action: JobAction): string[] {
  if (action.type !== 'http') return [];
  const texts = [action.url, ...Object.values(action.headers), action.body ?? ''];
  return [...new Set(texts.flatMap(secretReferences).filter((name) => SECRET_NAME.test(name)))];
}

/**
 * A stored Job entity (its spec passed the schema and jobSpecIssues) as the capability's
 * definition. `serviceOwner` is the service's owner key, the job's owner when it names none.
 */
export function jobDefinition(entity: Entity, serviceOwner?: string): JobDefinition {
  const spec = entity.spec as unknown as JobSpec;
  const namespace = (entity.metadata.namespace ?? 'default').toLowerCase();
  const name = entity.metadata.name;
  const owner =
    spec.owner === undefined
      ? (serviceOwner ?? '')
      : refKey(parseEntityRef(spec.owner, { defaultKind: 'Group', defaultNamespace: namespace }));
  const startingDeadlineMs = spec.startingDeadline === undefined ? undefined : durationMs(spec.startingDeadline);
  return {
    key: refKey({ kind: 'job', namespace, name }),
    namespace,
    name,
    ...(entity.metadata.title ? { title: entity.metadata.title } : {}),
    ...(spec.description ? { description: spec.description } : {}),
    service: refKey(parseEntityRef(spec.service, { defaultKind: 'Component', defaultNamespace: namespace })),
    owner,
    schedule: spec.schedule,
    timeZone: spec.timeZone ?? 'UTC',
    concurrencyPolicy: spec.concurrencyPolicy ?? 'Allow',
    ...(startingDeadlineMs === undefined ? {} : { startingDeadlineMs }),
    timeoutMs: (spec.timeout === undefined ? undefined : durationMs(spec.timeout)) ?? DEFAULT_TIMEOUT_MS,
    retries: {
      count: spec.retries?.count ?? 0,
      backoffMs:
        (spec.retries?.backoff === undefined ? undefined : durationMs(spec.retries.backoff)) ?? DEFAULT_BACKOFF_MS,
    },
    suspend: spec.suspend === true,
    tags: spec.tags ?? [],
    ...(spec.location === undefined ? {} : { location: spec.location }),
    catchUp: catchUpOf(spec.catchUp),
    action: actionOf(spec.action),
  };
}

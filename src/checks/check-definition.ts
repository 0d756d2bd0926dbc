import { isIP } from 'node:net';
import type { Entity } from '../catalog/model.ts';
import { parseEntityRef, refKey } from '../platform/entity-ref.ts';
import { parseAssertion } from './assertions.ts';
import { checkOffset } from './status.ts';
import {
  type CheckDefinition,
  type CheckRequest,
  type CheckType,
  type DnsRecordType,
  type HttpMethod,
  LOCATION_NAME,
  type MaintenanceWindow,
} from './model.ts';

/**
 * Atrium's `kind: Check` as written, what its checks beyond the schema say, and how a stored
 * one becomes the capability's CheckDefinition. Pure.
 *
 * @example
 * // spec: { service: component:shipment-service, type: http, interval: 30s, http: { url: https://x/healthz } }
 * checkDefinition(entity, 'group:default/logistics');
 * // { key: 'check:default/shipments-health', intervalMs: 30000, locations: ['local'], ... }
 */

export const MIN_INTERVAL_MS = 5_000;
export const MAX_INTERVAL_MS = 24 * 3_600_000;
export const DEFAULT_INTERVAL_MS = 60_000;
export const MAX_TIMEOUT_MS = 120_000;
export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_RETRIES = 5;
export const DEFAULT_RETRY_DELAY_MS = 1_000;
export const MAX_THRESHOLD = 100;
export const MAX_LOCATIONS = 50;
export const MAX_ASSERTIONS = 50;
export const MAX_HEADERS = 50;
export const MAX_BODY = 64 * 1024;
export const MAX_SCRIPT = 64 * 1024;
export const MAX_MAINTENANCE = 50;
export const DEFAULT_MIN_DAYS_VALID = 14;
/** `${secret:NAME}`: the only way a secret reaches a check. */
export const SECRET_REFERENCE = /\$\{secret:([A-Za-z_][A-Za-z0-9_]{0,63})\}/g;
/** Anything else in `${…}` is a mistake (an unknown placeholder, a misspelt secret). */
const PLACEHOLDER = /\$\{[^}]*\}/g;
const DURATION = /^(\d{1,9})(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/** A DNS name: labels of letters, digits and hyphens (underscores for SRV-style names), a trailing dot allowed. */
const HOST_NAME =
  /^(?=.{1,253}\.?$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** `500ms`, `30s`, `5m`, `1h` in milliseconds; undefined for anything else (a bare number is ambiguous). */
export function durationMs(value: string | number | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = DURATION.exec(value.trim());
  return match ? Number(match[1]) * (UNIT_MS[match[2] as string] as number) : undefined;
}

/** A check's spec as written (after the catalog's schema checked its shape). */
export interface CheckSpec {
  service: string;
  owner?: string;
  type: CheckType;
  interval?: string;
  locations?: 'all' | string[];
  timeout?: string;
  retries?: { strategy?: 'fixed' | 'linear'; count?: number; sameLocation?: boolean; delay?: string };
  http?: {
    method?: HttpMethod;
    url: string;
    headers?: Record<string, string>;
    body?: string;
    assertions?: string[];
  };
  degradedResponseTime?: string;
  maxResponseTime?: string;
  tcp?: { host: string; port: number };
  dns?: { name: string; recordType?: DnsRecordType; expect?: string[]; server?: string };
  tls?: { host: string; port?: number; minDaysValid?: number };
  browser?: { script: string };
  thresholds?: { failure?: number; success?: number };
  failingLocations?: number;
  maintenance?: { start: string; end: string; reason?: string }[];
}

export interface CheckSpecIssue {
  path: (string | number)[];
  code: string;
  message: string;
  hint: string;
}

function issue(path: (string | number)[], code: string, message: string, hint: string): CheckSpecIssue {
  return { path, code, message, hint };
}

const shown = (text: string) => JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);

/** The names of the secrets `${secret:NAME}` in `texts` refer to, each once. */
export function secretNames(texts: readonly string[]): string[] {
  const names = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(SECRET_REFERENCE)) names.add(m[1] as string);
  return [...names].sort();
}

/** Placeholders other than `${secret:NAME}`, for the issue that names them. */
function strayPlaceholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)]
    .map((m) => m[0])
    .filter((p) => !/^\$\{secret:[A-Za-z_][A-Za-z0-9_]{0,63}\}$/.test(p));
}

/** Why a check URL cannot be used, or undefined: http(s) only, a host, no credentials, no placeholders. */
export function urlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not an absolute URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return `uses ${parsed.protocol.replace(/:$/, '')}:, not http: or https:`;
  if (!parsed.hostname) return 'has no host';
  if (parsed.username || parsed.password) return 'carries credentials';
  if (url.includes('${')) return 'holds a placeholder';
  return undefined;
}

/** A resolver as node:dns takes it: an IP address, `1.2.3.4:53` or `[::1]:53`. */
export function isDnsServer(server: string): boolean {
  if (isIP(server)) return true;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(server);
  if (!match) return false;
  const port = Number(match[3]);
  return port >= 1 && port <= 65535 && isIP((match[1] ?? match[2]) as string) !== 0;
}

function hostIssue(path: (string | number)[], host: string, issues: CheckSpecIssue[]): void {
  if (!isIP(host) && !HOST_NAME.test(host))
    issues.push(
      issue(
        path,
        'invalid-host',
        `${shown(host)} is not a host name or IP address`,
        'Write a DNS name or an IP address, without a scheme or port.',
      ),
    );
}

function durationIssue(
  path: (string | number)[],
  value: string | undefined,
  min: number,
  max: number,
  issues: CheckSpecIssue[],
): number | undefined {
  if (value === undefined) return undefined;
  const ms = durationMs(value);
  if (ms === undefined || ms < min || ms > max) {
    issues.push(
      issue(
        path,
        'invalid-duration',
        `${shown(String(value))} is not a duration from ${min} ms to ${max / 1000} s`,
        'Write a number with a unit: 500ms, 30s, 5m or 1h.',
      ),
    );
    return undefined;
  }
  return ms;
}

function textIssues(path: (string | number)[], text: string, issues: CheckSpecIssue[]): void {
  for (const stray of strayPlaceholders(text).slice(0, 1))
    issues.push(
      issue(
        path,
        'unknown-placeholder',
        `${shown(stray)} is not a secret reference`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: ${secret:NAME} is the checks' own reference syntax, not a template
        'Refer to a secret of the server’s configuration as ${secret:NAME} (letters, digits and _); nothing else is substituted.',
      ),
    );
}

/** What the schema cannot say: a usable target, durations in range, assertions that parse, sensible thresholds. */
export function checkSpecIssues(spec: CheckSpec): CheckSpecIssue[] {
  const issues: CheckSpecIssue[] = [];
  const present = (['http', 'tcp', 'dns', 'tls', 'browser'] as const).filter((t) => spec[t] !== undefined);
  if (spec[spec.type] === undefined)
    issues.push(
      issue(
        [spec.type],
        'missing-request',
        `A check of type ${spec.type} has no ${spec.type} section`,
        `Describe what to check under ${spec.type}: { … }.`,
      ),
    );
  for (const other of present.filter((t) => t !== spec.type))
    issues.push(
      issue(
        [other],
        'other-type-section',
        `A check of type ${spec.type} has a ${other} section`,
        `Remove ${other}: { … }, or make the check's type ${other}.`,
      ),
    );
  const interval = durationIssue(['interval'], spec.interval, MIN_INTERVAL_MS, MAX_INTERVAL_MS, issues);
  const timeout = durationIssue(['timeout'], spec.timeout, 100, MAX_TIMEOUT_MS, issues);
  if (
    (timeout ?? DEFAULT_TIMEOUT_MS) >= (interval ?? DEFAULT_INTERVAL_MS) &&
    (timeout !== undefined || interval !== undefined)
  )
    issues.push(
      issue(
        ['timeout'],
        'timeout-not-below-interval',
        'The timeout is not shorter than the interval',
        'A run must end before the next round starts: make the timeout shorter than the interval.',
      ),
    );
  const degraded = durationIssue(['degradedResponseTime'], spec.degradedResponseTime, 1, MAX_TIMEOUT_MS, issues);
  const max = durationIssue(['maxResponseTime'], spec.maxResponseTime, 1, MAX_TIMEOUT_MS, issues);
  if (degraded !== undefined && max !== undefined && degraded >= max)
    issues.push(
      issue(
        ['degradedResponseTime'],
        'degraded-not-below-max',
        'degradedResponseTime is not below maxResponseTime',
        'Runs slower than degradedResponseTime are degraded, slower than maxResponseTime failing: the first is the smaller.',
      ),
    );
  durationIssue(['retries', 'delay'], spec.retries?.delay, 0, MAX_TIMEOUT_MS, issues);
  const locations = spec.locations;
  if (Array.isArray(locations)) {
    if (locations.length === 0)
      issues.push(
        issue(
          ['locations'],
          'no-locations',
          'The check names no locations',
          'Name runner locations (e.g. [local, eu-west-1]) or write all.',
        ),
      );
    locations.forEach((l, i) => {
      if (!LOCATION_NAME.test(l))
        issues.push(
          issue(
            ['locations', i],
            'invalid-location',
            `${shown(l)} is not a location name`,
            'Location names are letters, digits, ., _ and -, as runners are started with (--location).',
          ),
        );
    });
    if (new Set(locations).size !== locations.length)
      issues.push(issue(['locations'], 'duplicate-location', 'A location is named twice', 'Name each location once.'));
    if ((spec.failingLocations ?? 1) > locations.length && locations.length > 0)
      issues.push(
        issue(
          ['failingLocations'],
          'more-than-locations',
          `failingLocations is ${spec.failingLocations} but the check runs at ${locations.length} location(s)`,
          'Make failingLocations (k of n) at most the number of locations.',
        ),
      );
  }
  if (spec.http) {
    const problem = urlProblem(spec.http.url);
    if (problem)
      issues.push(
        issue(
          ['http', 'url'],
          'invalid-url',
          `The URL ${shown(spec.http.url)} ${problem}`,
          // biome-ignore lint/suspicious/noTemplateCurlyInString: ${secret:NAME} is the checks' own reference syntax, not a template
          'Checks reach http: or https: URLs only; put credentials in a header as ${secret:NAME}.',
        ),
      );
    const headers = Object.entries(spec.http.headers ?? {});
    if (headers.length > MAX_HEADERS)
      issues.push(
        issue(
          ['http', 'headers'],
          'too-many-headers',
          `${headers.length} headers; at most ${MAX_HEADERS}`,
          'Send the headers the endpoint needs.',
        ),
      );
    for (const [name, value] of headers.slice(0, MAX_HEADERS)) {
      if (!HEADER_NAME.test(name))
        issues.push(
          issue(
            ['http', 'headers', name],
            'invalid-header-name',
            `${shown(name)} is not a header name`,
            'Header names are letters, digits and -.',
          ),
        );
      else if (/[\r\n\0]/.test(value))
        issues.push(
          issue(
            ['http', 'headers', name],
            'invalid-header-value',
            'The header value holds a line break or NUL',
            'Write the value on one line.',
          ),
        );
      else textIssues(['http', 'headers', name], value, issues);
    }
    if (spec.http.body !== undefined) textIssues(['http', 'body'], spec.http.body, issues);
    (spec.http.assertions ?? []).forEach((text, i) => {
      const parsed = parseAssertion(text);
      if (!parsed.ok)
        issues.push(
          issue(
            ['http', 'assertions', i],
            'invalid-assertion',
            `Assertion ${shown(text)}: ${parsed.error.message} at column ${parsed.error.column}`,
            'Write <subject> <operator> <value>, e.g. status == 200, responseTime < 300, json.items.length > 0, body contains "ok".',
          ),
        );
    });
  }
  if (spec.tcp) hostIssue(['tcp', 'host'], spec.tcp.host, issues);
  if (spec.tls) hostIssue(['tls', 'host'], spec.tls.host, issues);
  if (spec.dns) {
    hostIssue(['dns', 'name'], spec.dns.name, issues);
    if (spec.dns.server !== undefined && !isDnsServer(spec.dns.server))
      issues.push(
        issue(
          ['dns', 'server'],
          'invalid-server',
          `${shown(spec.dns.server)} is not an IP address (with an optional port)`,
          'Name the resolver by IP address, e.g. 1.1.1.1, 1.1.1.1:53 or [2606:4700::1111]:53.',
        ),
      );
  }
  (spec.maintenance ?? []).forEach((w, i) => {
    const start = Date.parse(w.start);
    const end = Date.parse(w.end);
    const zoned = (t: string) => /(Z|[+-]\d{2}:\d{2})$/.test(t);
    if (Number.isNaN(start) || !zoned(w.start))
      issues.push(
        issue(
          ['maintenance', i, 'start'],
          'invalid-time',
          `${shown(w.start)} is not a time with a zone`,
          'Write ISO 8601 with a zone, e.g. 2026-12-24T22:00:00Z.',
        ),
      );
    else if (Number.isNaN(end) || !zoned(w.end))
      issues.push(
        issue(
          ['maintenance', i, 'end'],
          'invalid-time',
          `${shown(w.end)} is not a time with a zone`,
          'Write ISO 8601 with a zone, e.g. 2026-12-25T02:00:00Z.',
        ),
      );
    else if (end <= start)
      issues.push(
        issue(
          ['maintenance', i, 'end'],
          'end-not-after-start',
          'The window ends before it starts',
          'Write an end after the start.',
        ),
      );
  });
  return issues;
}

function requestOf(spec: CheckSpec): CheckRequest {
  if (spec.type === 'http' && spec.http)
    return {
      type: 'http',
      method: spec.http.method ?? 'GET',
      url: spec.http.url,
      headers: spec.http.headers ?? {},
      ...(spec.http.body === undefined ? {} : { body: spec.http.body }),
      assertions: spec.http.assertions ?? [],
    };
  if (spec.type === 'tcp' && spec.tcp) return { type: 'tcp', host: spec.tcp.host, port: spec.tcp.port };
  if (spec.type === 'dns' && spec.dns)
    return {
      type: 'dns',
      name: spec.dns.name,
      recordType: spec.dns.recordType ?? 'A',
      expect: spec.dns.expect ?? [],
      ...(spec.dns.server === undefined ? {} : { server: spec.dns.server }),
    };
  if (spec.type === 'tls' && spec.tls)
    return {
      type: 'tls',
      host: spec.tls.host,
      port: spec.tls.port ?? 443,
      minDaysValid: spec.tls.minDaysValid ?? DEFAULT_MIN_DAYS_VALID,
    };
  return { type: 'browser', script: spec.browser?.script ?? '' };
}

function maintenanceOf(spec: CheckSpec): MaintenanceWindow[] {
  return (spec.maintenance ?? []).map((w) => ({
    start: Date.parse(w.start),
    end: Date.parse(w.end),
    ...(w.reason ? { reason: w.reason } : {}),
  }));
}

/**
 * A stored Check entity (its spec passed the schema and checkSpecIssues) as the capability's
 * definition. `serviceOwner` is the service's owner key, the check's owner when it names none.
 */
export function checkDefinition(entity: Entity, serviceOwner?: string): CheckDefinition {
  const spec = entity.spec as unknown as CheckSpec;
  const namespace = (entity.metadata.namespace ?? 'default').toLowerCase();
  const name = entity.metadata.name;
  const owner =
    spec.owner === undefined
      ? (serviceOwner ?? '')
      : refKey(parseEntityRef(spec.owner, { defaultKind: 'Group', defaultNamespace: namespace }));
  const request = requestOf(spec);
  const texts =
    request.type === 'http'
      ? [...Object.values(request.headers), request.body ?? '']
      : request.type === 'browser'
        ? [request.script]
        : [];
  const intervalMs = durationMs(spec.interval) ?? DEFAULT_INTERVAL_MS;
  const degradedMs = durationMs(spec.degradedResponseTime);
  const maxMs = durationMs(spec.maxResponseTime);
  const locations = spec.locations === 'all' ? 'all' : (spec.locations ?? ['local']);
  const key = refKey({ kind: 'check', namespace, name });
  return {
    key,
    namespace,
    name,
    ...(entity.metadata.title ? { title: entity.metadata.title } : {}),
    service: refKey(parseEntityRef(spec.service, { defaultKind: 'Component', defaultNamespace: namespace })),
    owner,
    intervalMs,
    offsetMs: checkOffset(key, intervalMs),
    locations,
    timeoutMs: Math.min(durationMs(spec.timeout) ?? DEFAULT_TIMEOUT_MS, intervalMs - 1),
    retries: {
      strategy: spec.retries?.strategy ?? 'fixed',
      count: spec.retries?.count ?? 0,
      delayMs: durationMs(spec.retries?.delay) ?? DEFAULT_RETRY_DELAY_MS,
      sameLocation: spec.retries?.sameLocation ?? true,
    },
    ...(degradedMs === undefined ? {} : { degradedMs }),
    ...(maxMs === undefined ? {} : { maxMs }),
    thresholds: { failure: spec.thresholds?.failure ?? 1, success: spec.thresholds?.success ?? 1 },
    failingLocations: spec.failingLocations ?? 1,
    maintenance: maintenanceOf(spec),
    request,
    secrets: secretNames(texts),
  };
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API tokens, as pure rules: their format, how a secret is hashed and compared, what a
 * scope is, and whether a stored token may do something now. Nothing here does I/O.
 *
 * A token reads `atrium_<id>_<secret>`: the id finds the stored row with one indexed
 * lookup; only the SHA-256 of the secret is stored (the secret is 256 random bits, so a
 * slow password hash would add nothing but latency to every write).
 *
 * @example
 * const { token, id, secretHash } = generateToken();
 * parseToken(token)?.id === id; // true
 */

export const TOKEN_PREFIX = 'atrium_';
const TOKEN_PATTERN = /^atrium_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

/** What a token may be allowed to do. Each capability that writes adds its scope here. */
export const SCOPES = {
  'deployments:write': 'record deployments and blue/green traffic switches',
  'changes:write': 'record other changes (config, infrastructure, migrations, feature flags)',
  'checks:write': 'add and remove maintenance windows of synthetic checks',
  'flags:read': "read feature flags with an Unleash SDK (the token's environment)",
  'flags:write': 'turn feature flags on and off, and pull their kill switch',
  'incidents:write':
    'declare incidents, change their status and severity, and edit post-mortems and their action items',
  'jobs:write': 'run, suspend, resume and cancel scheduled jobs, and send heartbeat pings',
  'metrics:read': 'scrape /metrics, when the server is configured to require a token for it',
  'notifications:read': 'read the notification outbox through the API: messages with their details and links',
  'oncall:write': 'set and remove on-call overrides',
  runner: 'act as a runner agent: lease checks and jobs, renew the leases and report their results',
  'pages:write': "page a service's on-call (PagerDuty or the team's configured receiver)",
  'slis:write': 'push good and total events to SLOs that read pushed events',
} as const;
export type Scope = keyof typeof SCOPES;

export function isScope(value: string): value is Scope {
  return Object.hasOwn(SCOPES, value);
}

export interface GeneratedToken {
  /** The whole token, shown once and never stored. */
  token: string;
  id: string;
  secretHash: string;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function generateToken(random: (bytes: number) => Buffer = randomBytes): GeneratedToken {
  // 12 characters from 36: ids collide only after about 2^31 tokens; the store's key makes a collision an error, not a takeover.
  const id = [...random(12)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
  const secret = random(32).toString('base64url');
  return { token: `${TOKEN_PREFIX}${id}_${secret}`, id, secretHash: hashSecret(secret) };
}

/** The id and secret of a well-formed token, or undefined. */
export function parseToken(text: string): { id: string; secret: string } | undefined {
  const match = TOKEN_PATTERN.exec(text);
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Compares a presented secret with a stored hash in time that does not depend on where they differ. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/**
 * The token in an Authorization header: `Bearer <token>`, or the bare token, which is how
 * Unleash SDKs send theirs. Undefined when there is none.
 */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '' || /^bearer$/i.test(value)) return undefined;
  const bearer = /^bearer\s+(\S+)$/i.exec(value);
  return bearer ? bearer[1] : value;
}

const UNITS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
/** Ten years: anything longer is a typo, and `never` says it honestly. */
const MAX_LIFETIME_MS = 3650 * 86_400_000;

/**
 * A lifetime such as `90d`, `12h` or `2w` in milliseconds; `never` is null. Throws a
 * message fit for a user on anything else.
 */
export function parseLifetime(text: string): number | null {
  if (text === 'never') return null;
  const match = /^(\d{1,5})([hdw])$/.exec(text);
  const ms = match ? Number(match[1]) * (UNITS[match[2] as string] as number) : NaN;
  if (!(ms > 0) || ms > MAX_LIFETIME_MS) {
    throw new Error(
      `"${text}" is not a lifetime: use a number of hours, days or weeks up to ten years (e.g. 12h, 90d, 2w) or never`,
    );
  }
  return ms;
}

/** Scopes from a comma-separated list: known, unique, at least one. Throws a message fit for a user. */
export function parseScopes(text: string): Scope[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = names.filter((n) => !isScope(n));
  if (unknown.length > 0)
    throw new Error(
      `Unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}: the scopes are ${Object.keys(SCOPES).join(', ')}`,
    );
  if (names.length === 0) throw new Error(`No scope given: the scopes are ${Object.keys(SCOPES).join(', ')}`);
  return [...new Set(names as Scope[])];
}

/**
 * What Atrium itself records changes as (the GitHub webhook, release plans' timed moves, the
 * demo history, SLO alerts firing and resolving): shown to every reader, so no token may
 * take one of these names.
 */
export const SYSTEM_RECORDERS: readonly string[] = [
  'github-webhook',
  'release-plan',
  'demo-history',
  'slo-alerts',
  'scheduled-jobs',
  'check-status',
];

/** Names people can type and read in logs: letters, digits, `.`, `_`, `-`, up to 64. */
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface TokenState {
  scopes: readonly string[];
  expiresAt: string | null;
  revokedAt: string | null;
}

export type Refusal = 'revoked' | 'expired' | 'scope';

/**
 * Why a stored token may not do `scope` at `now` (with a list: any one of its scopes),
 * or undefined when it may. Revocation wins over expiry.
 */
export function refusalOf(token: TokenState, scope: Scope | readonly Scope[], now: Date): Refusal | undefined {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= now.getTime()) return 'expired';
  const wanted: readonly Scope[] = typeof scope === 'string' ? [scope] : scope;
  if (!wanted.some((s) => token.scopes.includes(s))) return 'scope';
  return undefined;
}

/** Scopes in a sentence: `flags:read or flags:write`. */
export function scopeText(scope: Scope | readonly Scope[]): string {
  return typeof scope === 'string' ? scope : scope.join(' or ');
}

/**
 * The scopes whose tokens see what anonymous readers do not (there is no sign-in yet, so a
 * token is how a reader says who they are). A flag's targeting (constraint values, user
 * ids, segments, variant payloads): a flags:read token (whatever its SDK environment: the
 * definition is the file's, all environments) or a flags:write one, which can change it.
 * The names of the tokens that recorded changes: a token that records changes.
 */
export const FLAG_DETAIL_SCOPES: readonly Scope[] = ['flags:read', 'flags:write'];
export const TOKEN_NAME_SCOPES: readonly Scope[] = ['deployments:write', 'changes:write', 'flags:write'];

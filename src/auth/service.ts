import { AtriumError } from '../platform/errors.ts';
import type { Principal } from '../platform/http/app.ts';
import type { TokenRecord, TokenStore } from './store.ts';
import {
  generateToken,
  parseToken,
  refusalOf,
  secretMatches,
  tokenFromHeader,
  TOKEN_NAME,
  scopeText,
  SYSTEM_RECORDERS,
  type Scope,
} from './token.ts';

/** How often a token's `last used` time is written at most: once a minute is plenty for an audit, and keeps writes off the hot path. */
const TOUCH_EVERY_MS = 60_000;

/**
 * How long a verified `flags:read` token is trusted before the database is asked again.
 * SDKs poll and evaluate at thousands of requests a second; a lookup and a hash each time
 * cost more than the answer. Writes are checked against the database every time.
 */
export const READ_TRUST_MS = 1000;

/** How long before its trust ends a token in use is verified again, in the background. */
export const READ_RENEW_MS = 250;

/** A verified `flags:read` token: whose it is, until when it is trusted, and whether it is being verified again. */
interface Trust {
  principal: Principal;
  expiresMs: number;
  until: number;
  renewing: boolean;
}

const CREATE_HINT =
  'Create a token with `atrium token create --name NAME --scopes SCOPE` and send it as `Authorization: Bearer <token>`.';

function refused(code: string, message: string, hint: string, status = 401): AtriumError {
  return new AtriumError({ category: 'user-fixable', code, message, hint, status });
}

/**
 * API tokens: created with a secret shown once, listed without it, revoked by name, and
 * checked on every write. `now` is injectable so expiry is tested without waiting.
 */
export class TokenService {
  private readonly touched = new Map<string, number>();
  /** `flags:read` tokens verified lately, by the token presented: only live tokens get here, so it is as small as the table. */
  private readonly trusted = new Map<string, Trust>();
  private readonly renewing = new Set<Promise<void>>();

  constructor(
    readonly store: TokenStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(
    name: string,
    scopes: readonly Scope[],
    lifetimeMs: number | null,
    environment: string | null = null,
  ): Promise<{ token: string; record: TokenRecord }> {
    if (!TOKEN_NAME.test(name) || SYSTEM_RECORDERS.includes(name)) {
      throw new AtriumError({
        category: 'user-fixable',
        code: 'invalid-token-name',
        message: SYSTEM_RECORDERS.includes(name)
          ? `"${name}" is what Atrium records its own changes as, not a token name`
          : `"${name}" is not a token name`,
        hint: 'Use letters, digits, ".", "_" and "-", starting with a letter or digit, up to 64 characters (e.g. ci-payments).',
      });
    }
    const created = this.now();
    const generated = generateToken();
    const record = {
      id: generated.id,
      name,
      secretHash: generated.secretHash,
      scopes,
      createdAt: created.toISOString(),
      expiresAt: lifetimeMs === null ? null : new Date(created.getTime() + lifetimeMs).toISOString(),
      // An SDK token always reads one environment: production unless told otherwise.
      environment: scopes.includes('flags:read') ? (environment ?? 'production') : environment,
    };
    if (!(await this.store.insert(record))) {
      throw new AtriumError({
        category: 'user-fixable',
        code: 'token-name-taken',
        status: 409,
        message: `A token named "${name}" already exists`,
        hint: `Pick another name, or revoke the old one first with \`atrium token revoke ${name}\`.`,
      });
    }
    return {
      token: generated.token,
      record: {
        id: record.id,
        name,
        scopes: [...scopes],
        createdAt: record.createdAt,
        expiresAt: record.expiresAt,
        revokedAt: null,
        lastUsedAt: null,
        environment: record.environment,
      },
    };
  }

  list(): Promise<TokenRecord[]> {
    return this.store.list();
  }

  async revoke(name: string): Promise<void> {
    for (const [presented, entry] of this.trusted) if (entry.principal.name === name) this.trusted.delete(presented);
    if (!(await this.store.revoke(name, this.now().toISOString()))) {
      throw new AtriumError({
        category: 'user-fixable',
        code: 'token-not-found',
        status: 404,
        message: `No live token named "${name}"`,
        hint: 'See the names with `atrium token list`; a revoked token stays revoked.',
      });
    }
  }

  /**
   * Who sent the Authorization header, if the token may do `scope`; otherwise a 401 (no,
   * unknown, revoked or expired token) or 403 (missing scope) that says why. An unknown id
   * and a wrong secret get the same answer, so the answer tells an attacker nothing.
   */
  async authenticate(header: string | undefined, scope: Scope | readonly Scope[]): Promise<Principal> {
    const trusted = scope === 'flags:read' ? this.trustedReader(header) : undefined;
    if (trusted) return trusted;
    const presented = tokenFromHeader(header);
    if (presented === undefined)
      throw refused('token-missing', `This request needs a token with the ${scopeText(scope)} scope`, CREATE_HINT);
    return this.verify(presented, scope);
  }

  /**
   * For a read anyone may make but whose details need a token: the principal when the
   * request carries a token with one of `scopes`, undefined when it carries none. A token
   * presented but unknown, revoked, expired or without those scopes is refused (401/403),
   * never quietly read as no token: its holder learns why the details are missing.
   */
  async reader(header: string | undefined, scopes: readonly Scope[]): Promise<Principal | undefined> {
    return tokenFromHeader(header) === undefined ? undefined : this.authenticate(header, scopes);
  }

  /**
   * Checks a presented token against the database. A `flags:read` token that passes is
   * trusted for READ_TRUST_MS; when `renewing` a trust, only if that trust is still the one
   * on record (a revocation here meanwhile removed it, and must not be undone).
   */
  private async verify(presented: string, scope: Scope | readonly Scope[], renewing?: Trust): Promise<Principal> {
    const parsed = parseToken(presented);
    const stored = parsed ? await this.store.find(parsed.id) : undefined;
    if (!parsed || !stored || !secretMatches(parsed.secret, stored.secretHash)) {
      throw refused(
        'token-invalid',
        'The token is not one this Atrium issued',
        `Check that the whole token was copied (it starts with atrium_). ${CREATE_HINT}`,
      );
    }
    const now = this.now();
    const refusal = refusalOf(stored, scope, now);
    if (refusal === 'revoked')
      throw refused('token-revoked', `The token "${stored.name}" was revoked at ${stored.revokedAt}`, CREATE_HINT);
    if (refusal === 'expired')
      throw refused(
        'token-expired',
        `The token "${stored.name}" expired at ${stored.expiresAt}`,
        `Create a new token (\`atrium token create --name ${stored.name} --scopes ${stored.scopes.join(',')}\` after revoking the old one).`,
      );
    if (refusal === 'scope') {
      throw refused(
        'token-scope-missing',
        `The token "${stored.name}" has the scopes ${stored.scopes.join(', ') || '(none)'}; this request needs ${scopeText(scope)}`,
        `Create a token with --scopes ${typeof scope === 'string' ? scope : scope[0]}.`,
        403,
      );
    }
    const last = this.touched.get(stored.id);
    if (last === undefined || now.getTime() - last >= TOUCH_EVERY_MS) {
      this.touched.set(stored.id, now.getTime());
      await this.store.touch(stored.id, now.toISOString());
    }
    const principal = {
      name: stored.name,
      scopes: stored.scopes,
      ...(stored.environment ? { environment: stored.environment } : {}),
    };
    if (scope === 'flags:read' && (renewing === undefined || this.trusted.get(presented) === renewing)) {
      this.trusted.set(presented, {
        principal,
        expiresMs: stored.expiresAt === null ? Infinity : Date.parse(stored.expiresAt),
        until: now.getTime() + READ_TRUST_MS,
        renewing: false,
      });
    }
    return principal;
  }

  /**
   * The principal of a `flags:read` token verified less than READ_TRUST_MS ago and not
   * expired since, without touching the database; undefined means "authenticate it". So a
   * revocation elsewhere stops SDK reads within a second, and one made here at once.
   *
   * Asked for in the last READ_RENEW_MS of its trust, the token is verified again in the
   * background: a busy SDK token then never falls back to the full route (a database lookup
   * on the request's path, once a second), and its trust still never outlives its last
   * verification by more than READ_TRUST_MS.
   */
  trustedReader(header: string | undefined): Principal | undefined {
    const presented = tokenFromHeader(header);
    const entry = presented === undefined ? undefined : this.trusted.get(presented);
    if (!entry) return undefined;
    const now = this.now().getTime();
    if (now < entry.until && now < entry.expiresMs) {
      if (!entry.renewing && now >= entry.until - READ_RENEW_MS) this.renew(presented as string, entry);
      return entry.principal;
    }
    this.trusted.delete(presented as string);
    return undefined;
  }

  /** Resolves when the background verifications started so far have finished: before the database closes, and in tests. */
  async renewals(): Promise<void> {
    await Promise.all(this.renewing);
  }

  private renew(presented: string, entry: Trust): void {
    entry.renewing = true;
    // A refusal (revoked, expired) or a database error ends the trust: the next request takes the route, which says why.
    const renewal = this.verify(presented, 'flags:read', entry).then(
      () => undefined,
      () => {
        if (this.trusted.get(presented) === entry) this.trusted.delete(presented);
      },
    );
    this.renewing.add(renewal);
    void renewal.finally(() => this.renewing.delete(renewal));
  }
}

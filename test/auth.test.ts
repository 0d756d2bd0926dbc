import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { READ_RENEW_MS, READ_TRUST_MS, TokenService } from '../src/auth/service.ts';
import { TokenStore } from '../src/auth/store.ts';
import type { Database } from '../src/platform/db/connect.ts';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.ts';

/**
 * API tokens through TokenService and its store, on both databases, on a clock the tests
 * move: creation, listing, revocation, authentication, expiry and the short trust of SDK
 * tokens. How a refusal becomes a 401 or 403 on a write is tested with the writes (changes.test.ts).
 */

const START = new Date('2026-06-01T12:00:00Z');
const DAY = 86_400_000;

describeEachDatabase('API tokens', (dialect) => {
  let testDb: TestDatabase;
  let database: Database;
  let tokens: TokenService;
  let clock = START;
  /** Another replica on the same database: its revocations reach this one only through the database. */
  let elsewhere: TokenService;

  before(async () => {
    testDb = await createTestDatabase(dialect, { migrated: true });
    database = await testDb.open();
    tokens = new TokenService(new TokenStore(database), () => clock);
    elsewhere = new TokenService(new TokenStore(database), () => clock);
  });
  beforeEach(() => {
    clock = START;
  });
  after(async () => {
    await tokens.renewals();
    await database.close();
    await testDb.drop();
  });

  test('a created token is shown once with its record: scopes, times, and the environment an SDK token reads', async () => {
    const ci = await tokens.create('ci-create', ['deployments:write', 'changes:write'], 90 * DAY);
    assert.match(ci.token, /^atrium_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(ci.record, {
      id: ci.token.slice('atrium_'.length, 'atrium_'.length + 12),
      name: 'ci-create',
      scopes: ['deployments:write', 'changes:write'],
      createdAt: '2026-06-01T12:00:00.000Z',
      expiresAt: '2026-08-30T12:00:00.000Z',
      revokedAt: null,
      lastUsedAt: null,
      environment: null,
    });
    const sdk = await tokens.create('sdk-create', ['flags:read'], null);
    assert.equal(sdk.record.expiresAt, null);
    assert.equal(sdk.record.environment, 'production', 'an SDK token reads production unless told otherwise');
    assert.equal((await tokens.create('sdk-staging', ['flags:read'], null, 'staging')).record.environment, 'staging');
  });

  test('a name that is no token name, or one a live token has, is refused', async () => {
    for (const name of ['', '-x', 'has space', 'x'.repeat(65), '<script>']) {
      await assert.rejects(tokens.create(name, ['changes:write'], null), { code: 'invalid-token-name' }, name);
    }
    await tokens.create('ci-taken', ['changes:write'], null);
    await assert.rejects(tokens.create('ci-taken', ['deployments:write'], null), {
      code: 'token-name-taken',
      status: 409,
    });
  });

  test('the list shows names, scopes and times, never a secret; a revoked name can be reused', async () => {
    const { token: writer } = await tokens.create('ci-payments', ['deployments:write', 'changes:write'], 90 * DAY);
    await tokens.authenticate(`Bearer ${writer}`, 'deployments:write');
    const list = await tokens.list();
    const text = JSON.stringify(list);
    assert.ok(!text.includes(writer.slice('atrium_'.length + 13)), 'no secret'); // the secret (base64url may itself hold _)
    assert.ok(!text.includes('secret'));
    const mine = list.find((t) => t.name === 'ci-payments');
    assert.deepEqual(mine?.scopes, ['deployments:write', 'changes:write']);
    assert.equal(mine?.lastUsedAt, '2026-06-01T12:00:00.000Z');
    await assert.rejects(tokens.create('ci-payments', ['changes:write'], null), { code: 'token-name-taken' });
    await assert.rejects(tokens.revoke('nobody'), { code: 'token-not-found' });
    await tokens.create('short-lived', ['deployments:write'], 3_600_000);
    await tokens.revoke('short-lived');
    const reused = await tokens.create('short-lived', ['changes:write'], null);
    assert.ok(reused.token.startsWith('atrium_'));
  });

  test('authentication names who sent the token, bearer or bare, and records when it was last used at most once a minute', async () => {
    const { token } = await tokens.create('ci-auth', ['deployments:write'], null);
    const principal = { name: 'ci-auth', scopes: ['deployments:write'] };
    assert.deepEqual(await tokens.authenticate(`Bearer ${token}`, 'deployments:write'), principal);
    assert.deepEqual(await tokens.authenticate(token, 'deployments:write'), principal);
    const lastUsed = async () => (await tokens.list()).find((t) => t.name === 'ci-auth')?.lastUsedAt;
    assert.equal(await lastUsed(), '2026-06-01T12:00:00.000Z');
    clock = new Date(START.getTime() + 59_999);
    await tokens.authenticate(token, 'deployments:write');
    assert.equal(await lastUsed(), '2026-06-01T12:00:00.000Z', 'not written again within the minute');
    clock = new Date(START.getTime() + 60_000);
    await tokens.authenticate(token, 'deployments:write');
    assert.equal(await lastUsed(), '2026-06-01T12:01:00.000Z');
    const sdk = await tokens.create('sdk-auth', ['flags:read'], null, 'staging');
    assert.deepEqual(await tokens.authenticate(sdk.token, 'flags:read'), {
      name: 'sdk-auth',
      scopes: ['flags:read'],
      environment: 'staging',
    });
  });

  test('no token, a malformed, unknown or altered one is refused the same way; a missing scope says which', async () => {
    const { token } = await tokens.create('ci-refused', ['changes:write'], null);
    const altered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const [header, code] of [
      [undefined, 'token-missing'],
      ['Bearer ', 'token-missing'],
      ['Bearer not-a-token', 'token-invalid'],
      [`Bearer atrium_aaaaaaaaaaaa_${'A'.repeat(43)}`, 'token-invalid'],
      [`Bearer ${altered}`, 'token-invalid'],
      [`Bearer ${token}${'A'.repeat(100_000)}`, 'token-invalid'],
      [`Bearer ${token.replace('atrium_', "atrium_' or 1=1 --")}`, 'token-invalid'],
    ] as const) {
      await assert.rejects(tokens.authenticate(header, 'changes:write'), { code, status: 401 }, String(header));
    }
    await assert.rejects(tokens.authenticate(token, 'deployments:write'), {
      code: 'token-scope-missing',
      status: 403,
      message: /has the scopes changes:write; this request needs deployments:write/,
    });
  });

  test('a token expires at the end of its lifetime; a revoked one is refused as revoked, even once expired', async () => {
    const { token } = await tokens.create('ci-expiry', ['deployments:write'], 3_600_000);
    clock = new Date(START.getTime() + 3_600_000 - 1);
    assert.equal((await tokens.authenticate(token, 'deployments:write')).name, 'ci-expiry');
    clock = new Date(START.getTime() + 3_600_000);
    await assert.rejects(tokens.authenticate(token, 'deployments:write'), {
      code: 'token-expired',
      message: 'The token "ci-expiry" expired at 2026-06-01T13:00:00.000Z',
    });
    await tokens.revoke('ci-expiry');
    await assert.rejects(tokens.authenticate(token, 'deployments:write'), {
      code: 'token-revoked',
      message: 'The token "ci-expiry" was revoked at 2026-06-01T13:00:00.000Z',
    });
    await assert.rejects(
      tokens.revoke('ci-expiry'),
      { code: 'token-not-found', status: 404 },
      'a revoked token stays revoked',
    );
  });

  test('an SDK token is trusted for a second: revoked by another process it stops reading within that second, revoked here at once; write tokens are never trusted', async () => {
    const { token: sdk } = await tokens.create('sdk-trust', ['flags:read'], 2 * READ_TRUST_MS);
    const reads = (token: string) => tokens.authenticate(token, 'flags:read');
    assert.equal((await reads(sdk)).name, 'sdk-trust');
    await elsewhere.revoke('sdk-trust');
    assert.equal((await reads(sdk)).name, 'sdk-trust', 'still trusted within the second');
    clock = new Date(clock.getTime() + READ_TRUST_MS);
    await assert.rejects(reads(sdk), { code: 'token-revoked', status: 401 });

    const { token: local } = await tokens.create('sdk-trust', ['flags:read'], null);
    assert.equal((await reads(local)).name, 'sdk-trust');
    await tokens.revoke('sdk-trust');
    await assert.rejects(reads(local), { status: 401 }, 'a revocation on this server applies at once');

    const { token: short } = await tokens.create('sdk-short', ['flags:read'], 500);
    assert.equal((await reads(short)).name, 'sdk-short');
    clock = new Date(clock.getTime() + 500);
    await assert.rejects(reads(short), { status: 401 }, 'expiry is not postponed by the trust');

    const { token: ci } = await tokens.create('ci-trust', ['deployments:write'], null);
    assert.equal((await tokens.authenticate(`Bearer ${ci}`, 'deployments:write')).name, 'ci-trust');
    await elsewhere.revoke('ci-trust');
    await assert.rejects(
      tokens.authenticate(`Bearer ${ci}`, 'deployments:write'),
      { status: 401 },
      'writes ask the database every time',
    );
  });

  test('an SDK token in use is verified again before its second ends: it stays trusted, a revocation elsewhere still ends it within the second, one here is not undone', async () => {
    const { token: header } = await tokens.create('sdk-renew', ['flags:read'], null);
    const settle = () => tokens.renewals();
    assert.equal((await tokens.authenticate(header, 'flags:read')).name, 'sdk-renew');
    const verifiedAt = clock.getTime();
    clock = new Date(verifiedAt + READ_TRUST_MS - READ_RENEW_MS - 1);
    assert.ok(tokens.trustedReader(header), 'trusted, not yet renewed');
    clock = new Date(verifiedAt + READ_TRUST_MS - READ_RENEW_MS);
    assert.ok(tokens.trustedReader(header), 'trusted while it is verified again');
    await settle();
    const renewedAt = verifiedAt + READ_TRUST_MS - READ_RENEW_MS;
    clock = new Date(renewedAt + READ_TRUST_MS - READ_RENEW_MS - 1);
    assert.ok(tokens.trustedReader(header), 'the renewal counted from its own verification');

    await elsewhere.revoke('sdk-renew');
    clock = new Date(renewedAt + READ_TRUST_MS - READ_RENEW_MS);
    assert.ok(tokens.trustedReader(header), 'answered from trust while the renewal asks the database');
    await settle();
    assert.equal(tokens.trustedReader(header), undefined, 'the renewal saw the revocation');
    await assert.rejects(tokens.authenticate(header, 'flags:read'), { code: 'token-revoked' });

    const { token: local } = await tokens.create('sdk-renew', ['flags:read'], null);
    assert.equal((await tokens.authenticate(local, 'flags:read')).name, 'sdk-renew');
    clock = new Date(clock.getTime() + READ_TRUST_MS - READ_RENEW_MS);
    assert.ok(tokens.trustedReader(local), 'a renewal starts');
    await tokens.revoke('sdk-renew');
    await settle();
    assert.equal(tokens.trustedReader(local), undefined, 'a revocation here is not undone by the renewal in flight');
  });

  test('a trusted SDK token is not trusted past its expiry, and a token never verified is not trusted at all', async () => {
    const { token } = await tokens.create('sdk-expiring', ['flags:read'], READ_TRUST_MS / 2);
    assert.equal(tokens.trustedReader(token), undefined, 'never verified');
    assert.equal(tokens.trustedReader(undefined), undefined);
    await tokens.authenticate(token, 'flags:read');
    assert.ok(tokens.trustedReader(`Bearer ${token}`), 'the same token, as a bearer');
    clock = new Date(START.getTime() + READ_TRUST_MS / 2);
    assert.equal(tokens.trustedReader(token), undefined);
    const { token: writer } = await tokens.create('ci-untrusted', ['deployments:write', 'flags:read'], null);
    await tokens.authenticate(writer, 'deployments:write');
    assert.equal(tokens.trustedReader(writer), undefined, 'a write is no reason to trust a token for reads');
  });
});

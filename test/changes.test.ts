import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { component, group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/** Tokens, deployment/switch/change writes and timelines through the HTTP API, on both databases, with a fixed clock. */

interface Problem {
  code: string;
  category: string;
  detail: string;
  hint: string;
  errors?: { field: string; message: string }[];
}

const annotated = (name: string, owner: string, slug: string, system?: string) =>
  [
    'apiVersion: backstage.io/v1alpha1',
    'kind: Component',
    'metadata:',
    `  name: ${name}`,
    '  annotations:',
    `    github.com/project-slug: ${slug}`,
    'spec:',
    '  type: service',
    '  lifecycle: production',
    `  owner: ${owner}`,
    ...(system ? [`  system: ${system}`] : []),
    '',
  ].join('\n');
const WEBHOOK_SECRET = 'webhook-secret-for-tests';

const SYSTEM = [
  'apiVersion: backstage.io/v1alpha1',
  'kind: System',
  'metadata:',
  '  name: shop',
  'spec:',
  '  owner: payments',
  '',
].join('\n');

describeEachDatabase('change events API', (dialect) => {
  let catalog: TempCatalog;
  let clock = new Date('2026-06-01T12:00:00Z');
  let writer = '';

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fixture.server.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${writer}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = (path: string) => fixture.server.app.request(path);
  const deployment = (over: Record<string, unknown> = {}) => ({
    service: 'checkout',
    environment: 'production',
    version: '1.0.0',
    status: 'succeeded',
    startedAt: '2026-05-30T10:00:00Z',
    finishedAt: '2026-05-30T10:05:00Z',
    commits: [{ sha: 'a1b2c3d', committedAt: '2026-05-29T09:00:00+02:00' }],
    ...over,
  });
  const count = () => fixture.server.changes.store.count();

  before(() => {
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./org.yaml', './shop.yaml', './services/*.yaml']),
      'org.yaml': `${group('payments', ['payments-api-team'])}---\n${group('payments-api-team')}---\n${group('logistics')}`,
      'shop.yaml': SYSTEM,
      'services/checkout.yaml': annotated('checkout', 'payments', 'Acme/Checkout', 'shop'),
      'services/ledger.yaml': component('ledger', { owner: 'payments-api-team' }),
      'services/cart.yaml': annotated('cart', 'logistics', 'acme/mono', 'shop'),
      'services/routing.yaml': annotated('routing', 'logistics', 'acme/mono'),
    });
  });
  after(() => catalog.cleanup());
  const fixture = useTestServer(dialect, () => ({
    catalog: catalog.dir,
    now: () => clock,
    githubWebhookSecret: WEBHOOK_SECRET,
    listen: true,
  }));
  before(async () => {
    writer = (
      await fixture.server.tokens.create('ci-payments', ['deployments:write', 'changes:write'], 90 * 86_400_000)
    ).token;
  });

  describe('tokens', () => {
    test('a write without a token, with a malformed or unknown one, is a 401 that says why and writes nothing', async () => {
      const before = await count();
      for (const [authorization, code] of [
        [undefined, 'token-missing'],
        ['Bearer ', 'token-missing'],
        ['Bearer not-a-token', 'token-invalid'],
        [`Bearer atrium_aaaaaaaaaaaa_${'A'.repeat(43)}`, 'token-invalid'],
        [`Bearer ${writer.slice(0, -1)}${writer.endsWith('A') ? 'B' : 'A'}`, 'token-invalid'],
      ] as const) {
        const res = await fixture.server.app.request('/api/v1/deployments', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: JSON.stringify(deployment()),
        });
        assert.equal(res.status, 401, String(authorization));
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
        const problem = (await res.json()) as Problem;
        assert.equal(problem.code, code);
        assert.match(problem.hint, /atrium token create/);
      }
      assert.equal(await count(), before);
    });

    test('a body that is not UTF-8 is a 400 and nothing is stored with replacement characters', async () => {
      const before = await count();
      const json = Buffer.from(JSON.stringify(deployment({ version: 'utf8-\u0000' })));
      const at = json.indexOf(0x5c); // the backslash of \u0000: a lone 0xff byte instead
      const body = Buffer.concat([json.subarray(0, at), Buffer.from([0xff]), json.subarray(at + 6)]);
      const res = await fixture.server.app.request('/api/v1/deployments', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${writer}` },
        body,
      });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as Problem).code, 'body-not-utf8');
      assert.equal(await count(), before);
    });

    test('a token without the scope is a 403 naming the scope it needs', async () => {
      const { token } = await fixture.server.tokens.create('changes-only', ['changes:write'], null);
      const res = await post('/api/v1/deployments', deployment(), { authorization: `Bearer ${token}` });
      assert.equal(res.status, 403);
      const problem = (await res.json()) as Problem;
      assert.equal(problem.code, 'token-scope-missing');
      assert.match(problem.detail, /deployments:write/);
    });

    test('an expired token is refused as expired, a revoked one as revoked, and revocation wins', async () => {
      const { token } = await fixture.server.tokens.create('short-lived', ['deployments:write'], 3_600_000);
      assert.equal(
        (await post('/api/v1/deployments', deployment({ version: 'exp-1' }), { authorization: `Bearer ${token}` }))
          .status,
        201,
      );
      clock = new Date(clock.getTime() + 3_600_000);
      try {
        const expired = await post('/api/v1/deployments', deployment({ version: 'exp-2' }), {
          authorization: `Bearer ${token}`,
        });
        assert.equal(expired.status, 401);
        assert.equal(((await expired.json()) as Problem).code, 'token-expired');
        await fixture.server.tokens.revoke('short-lived');
        const revoked = await post('/api/v1/deployments', deployment({ version: 'exp-3' }), {
          authorization: `Bearer ${token}`,
        });
        assert.equal(((await revoked.json()) as Problem).code, 'token-revoked');
      } finally {
        clock = new Date('2026-06-01T12:00:00Z');
      }
    });
  });

  describe('deployments', () => {
    test('a deployment is recorded with who recorded it, and read back in the timeline', async () => {
      const res = await post('/api/v1/deployments', deployment({ version: '2.0.0', actor: 'jane' }));
      assert.equal(res.status, 201);
      const saved = (await res.json()) as {
        id: number;
        service: string;
        recordedBy: string;
        actor: string;
        commits: { committedAt: string }[];
        summary: string;
      };
      assert.equal(saved.service, 'component:default/checkout');
      assert.equal(saved.recordedBy, 'ci-payments');
      assert.equal(saved.actor, 'jane');
      assert.equal(saved.commits[0]?.committedAt, '2026-05-29T07:00:00.000Z', 'times are stored as UTC');
      assert.equal(saved.summary, 'Deployed 2.0.0 to production');
      const timeline = (await (await get('/api/v1/changes?entity=checkout&type=deployment')).json()) as {
        items: { id: number }[];
      };
      assert.ok(timeline.items.some((i) => i.id === saved.id));
    });

    test('unknown services, bad times and bad fields are field-level errors, and nothing is written', async () => {
      const before = await count();
      const cases: [unknown, string, number][] = [
        [deployment({ service: 'nope' }), 'service', 422],
        [deployment({ service: 'group:default/' }), 'service', 422],
        [deployment({ finishedAt: '2026-05-30 10:05' }), 'finishedAt', 400],
        [deployment({ finishedAt: '2026-02-30T10:05:00Z' }), 'finishedAt', 400],
        [deployment({ startedAt: '1999-12-31T23:59:59Z' }), 'startedAt', 422],
        [deployment({ finishedAt: '2026-06-01T14:00:00Z' }), 'finishedAt', 422],
        [deployment({ status: 'done' }), 'status', 400],
        [deployment({ commits: [{ sha: 'xyz', committedAt: '2026-05-29T09:00:00Z' }] }), 'commits.0.sha', 400],
        [deployment({ strategy: 'blue-green' }), 'slot', 400],
        [deployment({ slot: 'blue' }), 'slot', 400],
        [deployment({ url: 'javascript:alert(1)' }), 'url', 400],
        [deployment({ version: 'a\nb' }), 'version', 400],
        [deployment({ extra: 1 }), '', 400],
        [deployment({ environment: '../prod' }), 'environment', 400],
      ];
      for (const [body, field, status] of cases) {
        const res = await post('/api/v1/deployments', body);
        assert.equal(res.status, status, `${field}: ${JSON.stringify(body)}`);
        const problem = (await res.json()) as Problem;
        assert.ok(
          problem.errors?.some((e) => e.field === field),
          `${field}: ${JSON.stringify(problem.errors)}`,
        );
      }
      assert.equal(await count(), before);
    });

    test('malformed JSON, a wrong content type and an oversized body are refused without writing', async () => {
      const before = await count();
      assert.equal((await post('/api/v1/deployments', '{"service": ')).status, 400);
      assert.equal((await post('/api/v1/deployments', '[]')).status, 400);
      const text = await fixture.server.app.request('/api/v1/deployments', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', authorization: `Bearer ${writer}` },
        body: JSON.stringify(deployment()),
      });
      assert.equal(text.status, 415);
      const huge = await post('/api/v1/deployments', deployment({ actor: 'x'.repeat(70_000) }));
      assert.equal(huge.status, 413);
      assert.equal(((await huge.json()) as Problem).code, 'body-too-large');
      const tooManyCommits = await post('/api/v1/deployments/batch', {
        deployments: Array.from({ length: 1001 }, () => deployment({ commits: [] })),
      });
      assert.equal(tooManyCommits.status, 400);
      assert.equal(await count(), before);
    });

    test('over real HTTP, a declared or chunked body over the limit is refused with 413 and nothing is written', async () => {
      const before = await count();
      const port = Number(new URL(fixture.url).port);
      const send = (headers: Record<string, string>, chunks: string[]) =>
        new Promise<number>((resolve, reject) => {
          const req = request(
            {
              host: '127.0.0.1',
              port,
              path: '/api/v1/deployments',
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${writer}`, ...headers },
            },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          for (const chunk of chunks) req.write(chunk);
          req.end();
        });
      const body = JSON.stringify(deployment({ actor: 'x'.repeat(200) }));
      assert.equal(
        await send({ 'transfer-encoding': 'chunked' }, [body.slice(0, 50), body.slice(50)]),
        201,
        'a small chunked body is fine',
      );
      const big = JSON.stringify(deployment({ actor: 'y'.repeat(70_000) }));
      assert.equal(await send({ 'transfer-encoding': 'chunked' }, [big.slice(0, 30_000), big.slice(30_000)]), 413);
      assert.equal(await send({ 'content-length': String(Buffer.byteLength(big)) }, [big]), 413);
      assert.equal(await count(), before + 1);
    });

    test('a batch is atomic: one bad deployment, named by its index, and none is written', async () => {
      const before = await count();
      const bad = await post('/api/v1/deployments/batch', {
        deployments: [
          deployment({ version: 'b1' }),
          deployment({ version: 'b2', service: 'ghost' }),
          deployment({ version: 'b3', finishedAt: '2030-01-01T00:00:00Z' }),
        ],
      });
      assert.equal(bad.status, 422);
      const problem = (await bad.json()) as Problem;
      assert.deepEqual(
        problem.errors?.map((e) => e.field),
        ['deployments.1.service'],
      );
      assert.equal(await count(), before);
      const good = await post('/api/v1/deployments/batch', {
        deployments: [deployment({ version: 'b1' }), deployment({ version: 'b2', service: 'component:default/cart' })],
      });
      assert.equal(good.status, 201);
      assert.equal(((await good.json()) as { items: unknown[] }).items.length, 2);
      assert.equal(await count(), before + 2);
    });

    test('a retried request with the same Idempotency-Key returns the first answer and writes once; another body with it is refused', async () => {
      const before = await count();
      const first = await post('/api/v1/deployments', deployment({ version: 'idem' }), {
        'idempotency-key': 'deploy-42',
      });
      const firstBody = await first.text();
      const again = await post('/api/v1/deployments', deployment({ version: 'idem' }), {
        'idempotency-key': 'deploy-42',
      });
      assert.equal(again.status, 201);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(await again.text(), firstBody);
      assert.equal(await count(), before + 1);
      const other = await post('/api/v1/deployments', deployment({ version: 'other' }), {
        'idempotency-key': 'deploy-42',
      });
      assert.equal(other.status, 422);
      assert.equal(((await other.json()) as Problem).code, 'idempotency-key-reused');
      const parallel = await Promise.all(
        Array.from({ length: 8 }, () =>
          post(
            '/api/v1/deployments/batch',
            { deployments: [deployment({ version: 'par' })] },
            { 'idempotency-key': 'parallel-1' },
          ),
        ),
      );
      assert.ok(parallel.every((r) => r.status === 201));
      assert.equal(
        new Set(await Promise.all(parallel.map((r) => r.text()))).size,
        1,
        'every racer gets the one stored answer',
      );
      assert.equal(await count(), before + 2);
      // A retry and a new write arriving together share a group commit: the retry's key fails the group, and each is then written alone.
      const [retry, fresh] = await Promise.all([
        post('/api/v1/deployments', deployment({ version: 'idem' }), { 'idempotency-key': 'deploy-42' }),
        post('/api/v1/deployments', deployment({ version: 'fresh' }), { 'idempotency-key': 'deploy-43' }),
      ]);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.equal(await retry.text(), firstBody);
      assert.equal(fresh.status, 201);
      assert.equal(fresh.headers.get('idempotent-replayed'), null);
      assert.equal(await count(), before + 3);
      const badKey = await post('/api/v1/deployments', deployment(), { 'idempotency-key': 'x'.repeat(300) });
      assert.equal(badKey.status, 400);
      assert.equal(((await badKey.json()) as Problem).code, 'invalid-idempotency-key');
    });

    test("an Idempotency-Key is the token's own: another token's same key is a fresh write, never a replay, and cannot block the first token", async () => {
      const other = (await fixture.server.tokens.create('ci-logistics', ['deployments:write'], null)).token;
      const asOther = (body: unknown, key: string) =>
        post('/api/v1/deployments', body, { authorization: `Bearer ${other}`, 'idempotency-key': key });
      const before = await count();
      const first = await post('/api/v1/deployments', deployment({ version: 'scoped-a' }), {
        'idempotency-key': 'scoped-1',
      });
      assert.equal(first.status, 201);
      // The other token replays the first one's key, with the same body and with another: each is its own write.
      const same = await asOther(deployment({ version: 'scoped-a' }), 'scoped-1');
      assert.equal(same.status, 201);
      assert.equal(same.headers.get('idempotent-replayed'), null, "not the first token's answer");
      const sameEvent = (await same.json()) as { id: number; recordedBy: string };
      assert.equal(sameEvent.recordedBy, 'ci-logistics');
      assert.notEqual(sameEvent.id, ((await first.json()) as { id: number }).id);
      assert.equal(await count(), before + 2);
      // Squatting: the other token takes a key first; the first token's write with it is still written, not a 422.
      const squat = await asOther(deployment({ version: 'squat' }), 'scoped-2');
      assert.equal(squat.status, 201);
      const mine = await post('/api/v1/deployments', deployment({ version: 'scoped-b' }), {
        'idempotency-key': 'scoped-2',
      });
      assert.equal(mine.status, 201);
      assert.equal(mine.headers.get('idempotent-replayed'), null);
      assert.equal(((await mine.json()) as { recordedBy: string }).recordedBy, 'ci-payments');
      assert.equal(await count(), before + 4);
      // Each token's own retry still replays its own answer, written once; racing tokens with one key each write theirs.
      const retry = await asOther(deployment({ version: 'squat' }), 'scoped-2');
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.equal(((await retry.json()) as { version: string }).version, 'squat');
      const [a, b] = await Promise.all([
        post('/api/v1/deployments', deployment({ version: 'race-a' }), { 'idempotency-key': 'scoped-3' }),
        asOther(deployment({ version: 'race-b' }), 'scoped-3'),
      ]);
      assert.deepEqual([a.status, b.status], [201, 201]);
      assert.equal(((await a.json()) as { version: string }).version, 'race-a');
      assert.equal(((await b.json()) as { version: string }).version, 'race-b');
      assert.equal(await count(), before + 6);
    });
  });

  describe('blue/green and live state', () => {
    test('the live version, live slot, since when, and the idle slot follow deployments and switches', async () => {
      const bg = (version: string, slot: string, finishedAt: string, status = 'succeeded') =>
        post('/api/v1/deployments', {
          service: 'ledger',
          environment: 'production',
          version,
          status,
          strategy: 'blue-green',
          slot,
          startedAt: finishedAt,
          finishedAt,
          commits: [],
        });
      assert.equal((await bg('1.0', 'blue', '2026-05-01T10:00:00Z')).status, 201);
      assert.equal((await bg('1.1', 'green', '2026-05-02T10:00:00Z')).status, 201);
      const sw = await post('/api/v1/traffic-switches', {
        service: 'ledger',
        environment: 'production',
        slot: 'green',
        at: '2026-05-02T11:00:00Z',
        reason: 'release 1.1',
      });
      assert.equal(sw.status, 201);
      const switched = (await sw.json()) as { version: string; summary: string; type: string };
      assert.equal(switched.type, 'traffic-switch');
      assert.equal(switched.version, '1.1');
      assert.equal(switched.summary, 'Switched production traffic from blue (1.0) to green (1.1): release 1.1');
      assert.equal((await bg('1.2', 'blue', '2026-05-03T10:00:00Z', 'failed')).status, 201);
      const live = (await (await get('/api/v1/live?service=ledger')).json()) as {
        environments: Record<string, unknown>[];
      };
      assert.deepEqual(live.environments, [
        {
          environment: 'production',
          version: '1.1',
          since: '2026-05-02T11:00:00.000Z',
          strategy: 'blue-green',
          liveSlot: 'green',
          idleSlot: 'blue',
          idleVersion: '1.0',
          lastFailure: { version: '1.2', status: 'failed', at: '2026-05-03T10:00:00.000Z' },
          unslotted: null,
        },
      ]);
    });

    test('a switch to a slot with nothing deployed is refused', async () => {
      const res = await post('/api/v1/traffic-switches', {
        service: 'routing',
        environment: 'production',
        slot: 'blue',
        at: '2026-05-02T11:00:00Z',
      });
      assert.equal(res.status, 422);
      assert.equal(((await res.json()) as Problem).errors?.[0]?.field, 'slot');
    });
  });

  describe('timelines', () => {
    test('a system includes its components, a team its child teams, and filters and cursors work', async () => {
      assert.equal(
        (
          await post('/api/v1/changes', {
            service: 'routing',
            kind: 'config',
            summary: 'Raised the pool to 50',
            at: '2026-05-20T08:00:00Z',
          })
        ).status,
        201,
      );
      assert.equal(
        (
          await post('/api/v1/changes', {
            service: 'cart',
            kind: 'migration',
            summary: 'Added an index',
            at: '2026-05-21T08:00:00Z',
            environment: 'production',
          })
        ).status,
        201,
      );
      const services = async (entity: string, query = '') => {
        const body = (await (
          await get(`/api/v1/changes?entity=${encodeURIComponent(entity)}&limit=500${query}`)
        ).json()) as { items: { service: string }[] };
        assert.ok(body.items, JSON.stringify(body));
        return [...new Set(body.items.map((i) => i.service))].sort();
      };
      assert.deepEqual(await services('system:default/shop'), ['component:default/cart', 'component:default/checkout']);
      assert.deepEqual(await services('group:default/payments'), [
        'component:default/checkout',
        'component:default/ledger',
      ]);
      assert.deepEqual(await services('group:default/logistics'), [
        'component:default/cart',
        'component:default/routing',
      ]);
      assert.deepEqual(await services('group:default/logistics', '&kind=config'), ['component:default/routing']);
      assert.deepEqual(await services('group:default/payments', '&type=traffic-switch'), ['component:default/ledger']);

      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = (await (
          await get(`/api/v1/changes?entity=system:default/shop&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        ).json()) as { items: { id: number; at: string }[]; nextCursor?: string };
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      const all = (await (await get('/api/v1/changes?entity=system:default/shop&limit=500')).json()) as {
        items: { id: number }[];
      };
      assert.deepEqual(
        seen,
        all.items.map((i) => i.id),
      );
      assert.equal(new Set(seen).size, seen.length);
    });

    test('bad query parameters are 400s with a hint, an unknown entity a 404', async () => {
      for (const query of [
        'entity=checkout&type=bogus',
        'entity=checkout&kind=nope',
        'entity=checkout&cursor=%%%',
        'entity=checkout&limit=0',
        'entity=checkout&since=yesterday',
        'entity=',
        `entity=${'x'.repeat(300)}`,
      ]) {
        const res = await get(`/api/v1/changes?${query}`);
        assert.equal(res.status, 400, query);
        assert.ok(((await res.json()) as Problem).hint.length > 0);
      }
      assert.equal((await get('/api/v1/changes?entity=ghost')).status, 404);
      assert.equal((await get('/api/v1/live?service=ghost')).status, 404);
    });

    test('a forged but well-formed cursor is the documented 400 invalid-cursor', async () => {
      const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      for (const value of [
        ['yesterday', 5],
        ['2026-05-30T10:05:00.000Z', 0],
        ['2026-05-30T10:05:00.000Z', -3],
        ['2026-02-30T10:05:00.000Z', 5],
        ['2026-05-30T10:05:00Z', 5],
        ['2026-05-30T10:05:00.000Z', 5, 'more'],
      ]) {
        const res = await get(`/api/v1/changes?entity=checkout&cursor=${forge(value)}`);
        assert.equal(res.status, 400, JSON.stringify(value));
        assert.equal(((await res.json()) as Problem).code, 'invalid-cursor');
      }
      const issued = forge(['2026-05-30T10:05:00.000Z', 5]);
      assert.equal((await get(`/api/v1/changes?entity=checkout&cursor=${issued}`)).status, 200);
    });
  });
  describe('GitHub webhooks', () => {
    const payload = (
      over: {
        state?: string;
        repo?: string;
        service?: string;
        environment?: string;
        ids?: { deployment: number; status: number };
        at?: string;
        organization?: string;
      } = {},
    ) =>
      JSON.stringify({
        action: 'created',
        deployment_status: {
          ...(over.ids ? { id: over.ids.status } : {}),
          state: over.state ?? 'success',
          environment: over.environment ?? 'production',
          created_at: over.at ?? '2026-05-31T09:10:00Z',
          updated_at: over.at ?? '2026-05-31T09:10:00Z',
          log_url: 'https://github.com/acme/checkout/actions/runs/1',
          creator: { login: 'octocat' },
        },
        deployment: {
          ...(over.ids ? { id: over.ids.deployment } : {}),
          sha: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
          ref: 'v3.1.0',
          environment: over.environment ?? 'production',
          created_at: '2026-05-31T09:00:00Z',
          payload: over.service ? { service: over.service } : {},
        },
        repository: { full_name: over.repo ?? 'acme/checkout' },
        ...(over.organization ? { organization: { login: over.organization } } : {}),
        sender: { login: 'octocat' },
      });
    const sign = (body: string, secret = WEBHOOK_SECRET) =>
      `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const deliver = (body: string, headers: Record<string, string | undefined> = {}) =>
      fixture.server.app.request('/api/v1/webhooks/github', {
        method: 'POST',
        headers: Object.entries({
          'content-type': 'application/json',
          'x-github-event': 'deployment_status',
          'x-github-delivery': 'd-1',
          'x-hub-signature-256': sign(body),
          ...headers,
        }).filter((entry): entry is [string, string] => entry[1] !== undefined),
        body,
      });

    test('a signed deployment_status is recorded for the service with that project slug, once per delivery', async () => {
      const before = await count();
      const res = await deliver(payload());
      assert.equal(res.status, 201);
      const body = (await res.json()) as {
        outcome: string;
        deployment: {
          service: string;
          version: string;
          status: string;
          actor: string;
          recordedBy: string;
          commits: unknown[];
        };
      };
      assert.equal(body.outcome, 'recorded');
      assert.equal(body.deployment.service, 'component:default/checkout');
      assert.equal(body.deployment.version, 'v3.1.0@aaaaaaa');
      assert.equal(body.deployment.actor, 'octocat');
      assert.equal(body.deployment.recordedBy, 'github-webhook');
      assert.deepEqual(body.deployment.commits, []);
      const again = await deliver(payload());
      assert.equal(again.status, 201);
      assert.equal(await count(), before + 1);
    });

    test('a captured delivery replayed under a new, a missing or the same delivery id is recorded once; a new status is recorded', async () => {
      const before = await count();
      const at = new Date(clock.getTime() - 3_600_000).toISOString();
      const captured = payload({ ids: { deployment: 7001, status: 9001 }, at });
      const first = await deliver(captured, { 'x-github-delivery': 'replay-1' });
      assert.equal(first.status, 201);
      const recorded = (await first.json()) as { deployment: { id: number } };
      for (const delivery of ['replay-2', undefined, 'replay-1', 'replay-1']) {
        const res = await deliver(captured, { 'x-github-delivery': delivery });
        assert.equal(res.status, 201, String(delivery));
        const body = (await res.json()) as { detail: string; deployment: { id: number } };
        assert.match(body.detail, /already recorded/, String(delivery));
        assert.equal(body.deployment.id, recorded.deployment.id);
      }
      // The same status sent by an organisation webhook as well: another signed body, the same status.
      const viaOrganisation = await deliver(
        payload({ ids: { deployment: 7001, status: 9001 }, at, organization: 'acme' }),
        {
          'x-github-delivery': 'replay-org',
        },
      );
      assert.equal(
        ((await viaOrganisation.json()) as { deployment: { id: number } }).deployment.id,
        recorded.deployment.id,
      );
      assert.equal(await count(), before + 1);
      const next = await deliver(payload({ ids: { deployment: 7001, status: 9002 }, at, state: 'failure' }), {
        'x-github-delivery': 'replay-3',
      });
      assert.equal(next.status, 201);
      assert.equal(((await next.json()) as { detail: string }).detail, 'Recorded for component:default/checkout.');
      assert.equal(await count(), before + 2);
    });

    test('a delivery whose status is older than three days is refused as too old and writes nothing', async () => {
      const before = await count();
      const old = new Date(clock.getTime() - 3 * 86_400_000 - 60_000).toISOString();
      const res = await deliver(payload({ ids: { deployment: 7002, status: 9003 }, at: old }), {
        'x-github-delivery': 'old-1',
      });
      assert.equal(res.status, 422);
      const problem = (await res.json()) as Problem;
      assert.equal(problem.code, 'delivery-too-old');
      assert.match(problem.detail, new RegExp(old.slice(0, 16)));
      assert.ok(problem.hint.length > 0);
      assert.equal(await count(), before);
    });

    test('a missing, wrong or other-secret signature is a 401 and writes nothing', async () => {
      const before = await count();
      const body = payload({ state: 'failure' });
      for (const signature of [
        undefined,
        'sha256=00',
        sign(body, 'another-secret-value'),
        sign(`${body} `),
        sign(body).toUpperCase().replace('SHA256', 'sha1'),
      ]) {
        const headers: Record<string, string> = { 'x-github-delivery': 'bad-sig' };
        const res = await fixture.server.app.request('/api/v1/webhooks/github', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'deployment_status',
            ...headers,
            ...(signature ? { 'x-hub-signature-256': signature } : {}),
          },
          body,
        });
        assert.equal(res.status, 401, String(signature));
        assert.equal(((await res.json()) as Problem).code, 'signature-invalid');
      }
      assert.equal(await count(), before);
    });

    test('pings and unfinished states are acknowledged, unknown or shared repositories explained, hostile payloads refused', async () => {
      const before = await count();
      const ping = await deliver('{"zen":"hi"}', { 'x-github-event': 'ping' });
      assert.equal(((await ping.json()) as { outcome: string }).outcome, 'pong');
      for (const state of ['pending', 'in_progress', 'queued', 'inactive']) {
        const res = await deliver(payload({ state }), { 'x-github-delivery': `s-${state}` });
        assert.equal(res.status, 200);
        assert.equal(((await res.json()) as { outcome: string }).outcome, 'ignored');
      }
      const unknown = await deliver(payload({ repo: 'acme/unknown' }), { 'x-github-delivery': 'u-1' });
      assert.equal(((await unknown.json()) as Problem).code, 'repository-not-in-catalog');
      const shared = await deliver(payload({ repo: 'acme/mono' }), { 'x-github-delivery': 'm-1' });
      assert.equal(((await shared.json()) as Problem).code, 'repository-ambiguous');
      const picked = await deliver(payload({ repo: 'acme/mono', service: 'routing' }), { 'x-github-delivery': 'm-2' });
      assert.equal(picked.status, 201);
      const badEnv = await deliver(payload({ environment: '<script>' }), { 'x-github-delivery': 'e-1' });
      assert.equal(badEnv.status, 422);
      assert.equal((await deliver('not json', { 'x-github-delivery': 'j-1' })).status, 400);
      assert.equal((await deliver('[1,2,3]', { 'x-github-delivery': 'j-2' })).status, 200);
      const huge = 'x'.repeat(1024 * 1024 + 1);
      assert.equal((await deliver(huge, { 'x-github-delivery': 'h-1' })).status, 413);
      assert.equal(await count(), before + 1);
    });
  });
});

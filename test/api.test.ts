import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { component, group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestServer, useTestServer } from './support/test-server.ts';

interface Page {
  items: { ref: string; name: string }[];
  totalItems: number;
  nextCursor?: string;
}

describeEachDatabase('read API', (dialect) => {
  let catalog: TempCatalog;
  before(() => {
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./org.yaml', './services/*.yaml']),
      'org.yaml': `${group('team-a')}---\n${group('team-b')}`,
      ...Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => [
          `services/svc-${String(i).padStart(2, '0')}.yaml`,
          component(`svc-${String(i).padStart(2, '0')}`, {
            owner: i % 2 ? 'team-a' : 'team-b',
            tags: i < 3 ? ['java'] : ['go'],
            system: 'shop',
          }),
        ]),
      ),
      'services/broken.yaml': component('Broken Name'),
    });
  });
  after(() => catalog.cleanup());
  // Not synced: the first test sees the server as `serve` has it before its first sync.
  const fixture = useTestServer(dialect, () => ({ catalog: catalog.dir, sync: false }));
  const get = (path: string, headers: Record<string, string> = {}) => fixture.server.app.request(path, { headers });

  test('readiness waits for the first sync, liveness does not; pages say the catalog is loading', async () => {
    assert.equal((await get('/healthz')).status, 200);
    // Never an empty portal that looks real: every page says it is loading, and reloads itself.
    for (const path of ['/', '/catalog', '/catalog/default/component/web']) {
      const loading = await get(path);
      assert.equal(loading.status, 503, path);
      assert.equal(loading.headers.get('retry-after'), '2');
      assert.equal(loading.headers.get('cache-control'), 'no-store');
      const body = await loading.text();
      assert.match(body, /<h1>Loading the catalog<\/h1>/);
      assert.match(body, /data-reload-after="2"/);
      assert.doesNotMatch(body, /0 entities/);
    }
    const notReady = await get('/readyz');
    assert.equal(notReady.status, 503);
    assert.equal(notReady.headers.get('content-type'), 'application/problem+json');
    assert.equal(notReady.headers.get('retry-after'), '1');
    assert.equal((await notReady.json()).category, 'retryable');
    await fixture.server.syncCatalog();
    const ready = await get('/readyz');
    assert.equal(ready.status, 200);
    assert.equal((await ready.json()).database, dialect);
    assert.equal((await get('/')).status, 200);
    // A replica that has not synced yet shows the catalog already in the database at once.
    const replica = await fixture.replica();
    assert.equal((await replica.app.request('/')).status, 200);
  });

  test('readiness also waits for start-up work, whether it succeeds or fails', async () => {
    await fixture.server.syncCatalog();
    let finish!: () => void;
    const work = fixture.server.startingUp('recording the demo history', new Promise<void>((done) => (finish = done)));
    const waiting = await get('/readyz');
    assert.equal(waiting.status, 503);
    assert.equal(waiting.headers.get('retry-after'), '1');
    const problem = (await waiting.json()) as { code: string; detail?: string; title?: string };
    assert.equal(problem.code, 'not-ready');
    assert.match(JSON.stringify(problem), /Still starting: recording the demo history/);
    finish();
    await work;
    assert.equal((await get('/readyz')).status, 200);

    const failing = fixture.server.startingUp('a step that fails', Promise.reject(new Error('broken')));
    await assert.rejects(failing, /broken/);
    assert.equal(
      (await get('/readyz')).status,
      200,
      'a failed step no longer holds readiness (serve logs or exits on it)',
    );
  });

  test('entities come in stable pages that a cursor walks to the end', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await get(`/api/v1/entities?kind=component&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      const page = (await res.json()) as Page;
      assert.equal(page.totalItems, 12);
      seen.push(...page.items.map((e) => e.name));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(
      seen,
      Array.from({ length: 12 }, (_, i) => `svc-${String(i).padStart(2, '0')}`),
    );
  });

  test('filters combine, and owner and system accept short references', async () => {
    const page = (await (await get('/api/v1/entities?owner=team-a&tag=java&system=shop')).json()) as Page;
    assert.deepEqual(
      page.items.map((e) => e.name),
      ['svc-01'],
    );
    const text = (await (await get('/api/v1/entities?q=svc-07')).json()) as Page;
    assert.deepEqual(
      text.items.map((e) => e.name),
      ['svc-07'],
    );
  });

  test('an entity is found by kind, namespace and name in any case, with relations, source and problems', async () => {
    const res = await get('/api/v1/entities/Component/DEFAULT/SVC-01');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const body = await res.json();
    assert.equal(body.ref, 'component:default/svc-01');
    assert.deepEqual(body.source, { file: 'services/svc-01.yaml', line: 1, column: 1 });
    assert.ok(
      body.relations.some(
        (r: { type: string; target: string }) => r.type === 'partOf' && r.target === 'system:default/shop',
      ),
    );
    assert.deepEqual(
      body.problems.map((p: { code: string }) => p.code),
      ['dangling-reference'],
    );
    assert.deepEqual(body.operations, { runbooks: [], oncall: [], dashboards: [], chat: [], docs: [] });
  });

  test('an unknown entity is a 404 problem with a hint', async () => {
    const res = await get('/api/v1/entities/component/default/nope');
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    const problem = await res.json();
    assert.equal(problem.code, 'entity-not-found');
    assert.equal(problem.category, 'user-fixable');
    assert.match(problem.hint, /search/);
    assert.equal(typeof problem.requestId, 'string');
    assert.equal(problem.instance, '/api/v1/entities/component/default/nope');
  });

  test('bad query parameters are 400 problems naming the field', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=ten', 'limit'],
      [`q=${'x'.repeat(201)}`, 'q'],
      [`owner=${'x'.repeat(300)}`, 'owner'],
      ['kind=', 'kind'],
    ] as const) {
      const res = await get(`/api/v1/entities?${query}`);
      assert.equal(res.status, 400, query);
      const problem = await res.json();
      assert.equal(problem.code, 'invalid-request', query);
      assert.equal(problem.errors[0].field, field, query);
    }
    const long = await get(`/api/v1/entities/component/default/${'n'.repeat(64)}`);
    assert.equal(long.status, 400);
  });

  test('a forged or damaged cursor is refused', async () => {
    for (const cursor of [
      'not-base64!!',
      Buffer.from('{"k":1}').toString('base64url'),
      Buffer.from('42').toString('base64url'),
      'x'.repeat(600),
    ]) {
      const res = await get(`/api/v1/entities?cursor=${encodeURIComponent(cursor)}`);
      assert.equal(res.status, 400, cursor);
    }
    const problem = await (await get('/api/v1/entities?cursor=AAAA')).json();
    assert.equal(problem.code, 'invalid-cursor');
    for (const n of ['1.5', '1e999', '-1']) {
      const res = await get(`/api/v1/problems?cursor=${Buffer.from(n).toString('base64url')}`);
      assert.equal(res.status, 400, n);
    }
  });

  test('facets and problems are served for the whole catalog', async () => {
    const facets = await (await get('/api/v1/facets?kind=component')).json();
    assert.deepEqual(facets.owner, [
      { value: 'group:default/team-a', count: 6 },
      { value: 'group:default/team-b', count: 6 },
    ]);
    const problems = await (await get('/api/v1/problems?severity=error')).json();
    assert.equal(problems.errors, 1);
    assert.equal(problems.items[0].code, 'invalid-name');
    assert.equal(problems.items[0].file, 'services/broken.yaml');
    assert.equal((await get('/api/v1/problems?severity=fatal')).status, 400);
    const filtered = await (await get('/api/v1/problems?file=services/broken.yaml&severity=warning')).json();
    assert.deepEqual(
      { items: filtered.items.length, errors: filtered.errors, warnings: filtered.warnings },
      { items: 0, errors: 1, warnings: 0 },
    );
  });

  test('a catalog change is visible through the API after the next sync', async () => {
    assert.equal(
      (await (await get('/api/v1/entities/component/default/svc-03')).json()).entity.metadata.title,
      undefined,
    );
    catalog.write('services/svc-03.yaml', component('svc-03', { title: 'Renamed', owner: 'team-a', system: 'shop' }));
    await fixture.server.syncCatalog();
    assert.equal(
      (await (await get('/api/v1/entities/component/default/svc-03')).json()).entity.metadata.title,
      'Renamed',
    );
  });

  test('the OpenAPI 3.1 document describes every route', async () => {
    const doc = await (await get('/api/openapi.json')).json();
    assert.equal(doc.openapi, '3.1.0');
    for (const path of [
      '/api/v1/entities',
      '/api/v1/entities/{kind}/{namespace}/{name}',
      '/api/v1/facets',
      '/api/v1/problems',
      '/healthz',
      '/readyz',
    ]) {
      assert.ok(doc.paths[path], path);
    }
    assert.ok(doc.components.schemas.Problem);
    // Any read may be shed by the render queue (503 + Retry-After); health and metrics never are.
    assert.ok(doc.paths['/api/v1/entities'].get.responses['503']);
    assert.ok(doc.paths['/api/v1/search'].get.responses['503']);
    assert.equal(doc.paths['/healthz'].get.responses['503'], undefined);
  });

  test('metrics are exposed for Prometheus', async () => {
    const res = await get('/metrics');
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /atrium_http_requests_total\{method="GET",route="\/api\/v1\/entities",status="200"\}/);
    assert.match(text, /atrium_catalog_entities 15/);
    assert.match(text, /atrium_write_refusals 0/);
    assert.match(text, /atrium_writes_in_flight\{state="waiting"\} 0/);
    assert.match(text, /atrium_render_refusals 0/);
    assert.match(text, /atrium_renders_in_flight\{state="waiting"\} 0/);
  });

  test('request ids are echoed when sane and replaced when not', async () => {
    assert.equal((await get('/healthz', { 'x-request-id': 'abc-123' })).headers.get('x-request-id'), 'abc-123');
    for (const hostile of ['x'.repeat(500), '<script>', 'a b']) {
      const id = (await get('/healthz', { 'x-request-id': hostile })).headers.get('x-request-id');
      assert.notEqual(id, hostile);
      assert.match(id ?? '', /^[0-9a-f-]{36}$/);
    }
  });

  test('unknown routes are 404 problems and every response carries security headers', async () => {
    const res = await get('/api/v1/nothing-here');
    assert.equal(res.status, 404);
    assert.equal((await res.json()).code, 'route-not-found');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });
});

describeEachDatabase('read API over HTTP, with cached responses served fast', (dialect) => {
  test('a cached response is served by the fast path with the same body and headers as the app', async (t) => {
    const catalog = tempCatalog({ 'catalog-info.yaml': location(['./org.yaml']), 'org.yaml': group('team-a') });
    t.after(() => catalog.cleanup());
    const fixture = await startTestServer(dialect, { catalog: catalog.dir, listen: true });
    t.after(() => fixture.close());
    const { server, url: base } = fixture;

    const loadsBefore = server.catalog.cache.loads;
    const first = await fetch(`${base}/api/v1/entities/group/default/team-a`);
    const second = await fetch(`${base}/api/v1/entities/GROUP/default/Team-A`, {
      headers: { 'x-request-id': 'fast-1' },
    });
    assert.equal(server.catalog.cache.loads, loadsBefore + 1, 'one load, then hits');
    assert.equal(second.status, 200);
    assert.equal(await second.text(), await first.text());
    for (const header of ['content-type', 'x-content-type-options', 'referrer-policy', 'content-security-policy']) {
      assert.equal(second.headers.get(header), first.headers.get(header), header);
    }
    assert.equal(second.headers.get('x-request-id'), 'fast-1');

    // A cached "not found" is never served as a 200.
    assert.equal((await fetch(`${base}/api/v1/entities/group/default/nobody`)).status, 404);
    assert.equal((await fetch(`${base}/api/v1/entities/group/default/nobody`)).status, 404);
    // Lists are served fast too, per query string.
    const list = await (await fetch(`${base}/api/v1/entities?kind=group`)).text();
    assert.equal(await (await fetch(`${base}/api/v1/entities?kind=group`)).text(), list);
    // Malformed paths fall through to the app's own validation.
    assert.equal((await fetch(`${base}/api/v1/entities/group/default/${'x'.repeat(64)}`)).status, 400);
    assert.equal((await fetch(`${base}/api/v1/entities/group/%E0%A4%A/x`)).status, 404);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(
      metrics,
      /atrium_http_requests_total\{method="GET",route="\/api\/v1\/entities\/:kind\/:namespace\/:name",status="200"\} 2/,
    );
  });
});

describe('response cache keys', () => {
  test('unknown query parameters and parameter order do not make new cache entries', async () => {
    const { queryCacheKey } = await import('../src/catalog/cached-catalog.ts');
    const base = queryCacheKey('/api/v1/entities', '?kind=component&limit=5');
    assert.equal(queryCacheKey('/api/v1/entities', '?limit=5&kind=component'), base);
    assert.equal(queryCacheKey('/api/v1/entities', '?limit=5&x=1&kind=component&utm_source=mail'), base);
    assert.notEqual(queryCacheKey('/api/v1/entities', '?kind=api&limit=5'), base);
    assert.equal(queryCacheKey('/api/v1/facets', '?limit=5'), queryCacheKey('/api/v1/facets', ''));
  });
});

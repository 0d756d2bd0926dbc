import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NewChangeEvent } from '../src/changes/model.ts';
import { ChangeStore } from '../src/changes/store.ts';
import { type Database, openDatabase } from '../src/platform/db/connect.ts';
import { AtriumError } from '../src/platform/errors.ts';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';

/**
 * ChangeStore.lines, countLines and newestOfEach, an incident's timeline and suspect
 * queries: the window, newest first, the limit and offset, the own changes left out, the
 * newest of each group, many services, on both databases.
 */

const T0 = Date.parse('2026-12-07T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function event(serviceKey: string, minutes: number, over: Partial<NewChangeEvent> = {}): NewChangeEvent {
  return {
    type: 'change',
    serviceKey,
    service: serviceKey,
    at: at(minutes),
    summary: `${serviceKey} at ${minutes}`,
    environment: 'production',
    version: null,
    status: null,
    strategy: null,
    slot: null,
    kind: 'config',
    startedAt: null,
    url: null,
    actor: null,
    commits: null,
    recordedBy: 'ci',
    recordedAt: at(0),
    ...over,
  };
}

describeEachDatabase('change lines', (dialect) => {
  let target: TestDatabase;
  let database: Database;
  let store: ChangeStore;
  before(async () => {
    target = await createTestDatabase(dialect, { migrated: true });
    database = await target.open();
    store = new ChangeStore(database);
    // 600 services (more than one query's 500 keys), each with an event at minutes 0..2, and one outside.
    const events: NewChangeEvent[] = [];
    for (let i = 0; i < 600; i++) {
      const key = `component:default/svc-${i}`;
      events.push(event(key, i % 3), event(key, 120));
    }
    events.push(
      event('component:default/svc-1', 1, {
        type: 'deployment',
        kind: null,
        version: '2.0.0',
        status: 'rolled_back',
        slot: 'green',
        url: 'https://ci.example.com/1',
        actor: 'ci',
        commits: [{ sha: 'a'.repeat(40), committedAt: at(-5) }],
      }),
    );
    const outcome = await store.write(events, () => ({ status: 201, body: '{}' }));
    assert.equal(outcome.kind, 'written');
  });
  after(async () => {
    await database.close();
    await target.drop();
  });

  const keys = (n: number) => Array.from({ length: n }, (_, i) => `component:default/svc-${i}`);
  const isNewestFirst = (lines: { at: string; id: number }[]) =>
    lines.every(
      (l, i) =>
        i === 0 ||
        l.at < (lines[i - 1] as { at: string }).at ||
        (l.at === (lines[i - 1] as { at: string }).at && l.id < (lines[i - 1] as { id: number }).id),
    );

  test('the window [since, until) only, newest first (ties by id), with the columns a line shows', async () => {
    const lines = await store.lines(keys(3), { since: at(0), until: at(2) }, 100);
    assert.deepEqual(
      lines.map((l) => [l.type, l.service, l.at]),
      [
        ['deployment', 'component:default/svc-1', at(1)],
        ['change', 'component:default/svc-1', at(1)],
        ['change', 'component:default/svc-0', at(0)],
      ],
    );
    assert.ok(isNewestFirst(lines));
    const deployment = lines.find((l) => l.type === 'deployment');
    assert.deepEqual(
      deployment && { ...deployment, id: 0 },
      {
        id: 0,
        type: 'deployment',
        service: 'component:default/svc-1',
        at: at(1),
        summary: 'component:default/svc-1 at 1',
        environment: 'production',
        version: '2.0.0',
        status: 'rolled_back',
        slot: 'green',
        kind: null,
        url: 'https://ci.example.com/1',
        actor: 'ci',
        recordedBy: 'ci',
      },
      'only the line columns: no commits, strategy or recording time',
    );
  });

  test('more services than one query names: merged newest first and limited', async () => {
    const all = await store.lines(keys(600), { since: at(0), until: at(60) }, 10_000);
    assert.equal(all.length, 601);
    assert.ok(isNewestFirst(all));
    const limited = await store.lines(keys(600), { since: at(0), until: at(60) }, 250);
    assert.deepEqual(limited, all.slice(0, 250));
    assert.deepEqual(
      [limited.filter((l) => l.at === at(2)).length, limited.filter((l) => l.at === at(1)).length],
      [200, 50],
      'the newest: minute 2 (200 services), then minute 1',
    );
  });

  test('an offset pages on from the newest, in one query and across batches; the count is the whole window', async () => {
    const window = { since: at(0), until: at(60) };
    const all = await store.lines(keys(600), window, 10_000);
    for (const [offset, limit] of [
      [0, 10],
      [250, 100],
      [595, 10],
      [601, 5],
    ] as const)
      assert.deepEqual(await store.lines(keys(600), window, limit, { offset }), all.slice(offset, offset + limit));
    const few = await store.lines(keys(3), window, 100);
    assert.deepEqual(await store.lines(keys(3), window, 2, { offset: 1 }), few.slice(1, 3));
    assert.equal(await store.countLines(keys(600), window), 601);
    assert.equal(await store.countLines(keys(3), { since: at(0), until: at(2) }), 3);
    assert.equal(await store.countLines([], window), 0);
  });

  test('newest of each type, kind, status and environment: the newest per group, nothing else, across batches', async () => {
    const window = { since: at(0), until: at(60) };
    const all = await store.lines(keys(600), window, 10_000);
    const expected = new Map<string, number>();
    const wanted = all.filter((l) => {
      const group = JSON.stringify([l.type, l.kind, l.status, l.environment]);
      const seen = expected.get(group) ?? 0;
      expected.set(group, seen + 1);
      return seen < 3;
    });
    // One query up to 500 services: each batch keeps its own newest, a superset of the whole's.
    const few = await store.newestOfEach(keys(400), window, 3, []);
    assert.deepEqual(
      few,
      (await store.lines(keys(400), window, 10_000)).filter((l, i, lines) => {
        const group = JSON.stringify([l.type, l.kind, l.status, l.environment]);
        return (
          lines.slice(0, i).filter((o) => JSON.stringify([o.type, o.kind, o.status, o.environment]) === group).length <
          3
        );
      }),
    );
    const many = await store.newestOfEach(keys(600), window, 3, []);
    for (const line of wanted)
      assert.ok(
        many.some((l) => l.id === line.id),
        `group's newest ${line.id} is a candidate`,
      );
    assert.ok(isNewestFirst(many));
    assert.deepEqual(
      (await store.newestOfEach(keys(3), window, 3, ['config'])).map((l) => l.type),
      ['deployment'],
      'kinds left out; a deployment (no kind) stays',
    );
  });

  test('without: a change of the kind whose URL ends so, exactly, on both databases; null kinds and URLs stay', async () => {
    const key = 'component:default/own';
    const own = (minutes: number, url: string | null, kind: NewChangeEvent['kind'] = 'incident') =>
      event(key, minutes, { kind, url, summary: String(url) });
    const outcome = await store.write(
      [
        own(200, '/incidents/5/'),
        own(201, 'https://atrium.example.com/incidents/5/'),
        own(202, '/INCIDENTS/5/'),
        own(203, '/incidents/15/'),
        own(204, '/incidents/5/x'),
        own(205, '/incidents/_/'),
        own(206, 'incidents/5/'),
        own(207, '5/'),
        own(208, null),
        own(209, '/incidents/5/', 'config'),
        own(210, '/incidents/5/', null),
        event(key, 211, { type: 'deployment', kind: null, url: '/incidents/5/', summary: 'deployment' }),
      ],
      () => ({ status: 201, body: '{}' }),
    );
    assert.equal(outcome.kind, 'written');
    const window = { since: at(200), until: at(300) };
    const without = { kind: 'incident' as const, urlEndsWith: 'incidents/5/' };
    const kept = await store.lines([key], window, 100, { without });
    const all = await store.lines([key], window, 100);
    assert.deepEqual(
      kept.map((l) => l.summary),
      all
        .filter((l) => !(l.type === 'change' && l.kind === 'incident' && l.url?.endsWith('incidents/5/')))
        .map((l) => l.summary),
      'the same rule as String.endsWith',
    );
    assert.deepEqual(kept.map((l) => l.summary).reverse(), [
      '/INCIDENTS/5/',
      '/incidents/15/',
      '/incidents/5/x',
      '/incidents/_/',
      '5/',
      'null',
      '/incidents/5/',
      '/incidents/5/',
      'deployment',
    ]);
    assert.equal(await store.countLines([key], window, without), kept.length);
    assert.deepEqual(await store.lines([key], window, 2, { offset: 1, without }), kept.slice(1, 3));
  });

  test('no services, an empty window, hostile keys: nothing, no error', async () => {
    assert.deepEqual(await store.lines([], { since: at(0), until: at(60) }, 10), []);
    assert.deepEqual(await store.lines(keys(3), { since: at(5), until: at(5) }, 10), []);
    assert.deepEqual(
      await store.lines(
        ["component:default/x' or '1'='1", 'component:default/svc-%'],
        { since: at(0), until: at(60) },
        10,
      ),
      [],
    );
  });
});

test('PostgreSQL going away in the middle of each incident query: it rejects as unavailable (503), none hangs, the next answers', {
  skip: process.env.ATRIUM_TEST_POSTGRES_URL ? false : 'PostgreSQL unavailable (ATRIUM_TEST_POSTGRES_URL)',
}, async () => {
  const target = await createTestDatabase('postgres', { migrated: true });
  const direct = new URL(target.target);
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const proxied = new URL(target.target);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const database = await openDatabase(proxied.toString());
  try {
    const store = new ChangeStore(database);
    const key = 'component:default/svc-0';
    await store.write([event(key, 1), event(key, 2)], () => ({ status: 201, body: '{}' }));
    const window = { since: at(0), until: at(60) };
    const without = { kind: 'incident' as const, urlEndsWith: 'incidents/1/' };
    for (const query of [
      () => store.countLines([key], window, without),
      () => store.lines([key], window, 10, { offset: 1, without }),
      () => store.newestOfEach([key], window, 10, ['alert']),
    ]) {
      const cut = proxy.cutAfterBytes(1);
      await assert.rejects(query(), (err) => err instanceof AtriumError && err.code === 'dependency-unavailable');
      await cut;
    }
    assert.equal(await store.countLines([key], window, without), 2, 'the database answering again, so does the store');
  } finally {
    await database.close();
    await proxy.close();
    await target.drop();
  }
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NewChangeEvent } from '../src/changes/model.ts';
import { ChangeStore } from '../src/changes/store.ts';
import type { Database } from '../src/platform/db/connect.ts';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.ts';

/** ChangeStore.lines, an incident's timeline query: the window, newest first, the limit, many services, on both databases. */

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
    target = await createTestDatabase(dialect);
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

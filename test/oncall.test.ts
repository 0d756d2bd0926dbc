import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CommandIO } from '../src/cli/io.ts';
import { main } from '../src/main.ts';
import { answerAt } from '../src/oncall/answer.ts';
import type { OnCallPlan } from '../src/oncall/model.ts';
import { component, group, location, tempCatalog, tempDir, type TempCatalog, writeFile } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/** Who is on call and overrides through the HTTP API, on both databases (the store's SQL with them), with a fixed clock. */

const user = (name: string, displayName: string) =>
  [
    'apiVersion: backstage.io/v1alpha1',
    'kind: User',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  profile:',
    `    displayName: ${displayName}`,
    `    email: ${name}@example.com`,
    '  memberOf: [checkout]',
    '',
  ].join('\n');

const rotation = (name: string, level: number, participants: string[]) =>
  [
    'apiVersion: atrium.dev/v1',
    'kind: Rotation',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  owner: group:checkout',
    `  level: ${level}`,
    '  timeZone: UTC',
    '  layers:',
    '    - name: daily',
    '      start: "2026-06-01T09:00"',
    '      turn: daily',
    `      participants: [${participants.join(', ')}]`,
    '',
  ].join('\n');

const SYSTEM = [
  'apiVersion: backstage.io/v1alpha1',
  'kind: System',
  'metadata:',
  '  name: shop',
  'spec:',
  '  owner: checkout',
  '',
].join('\n');

interface Level {
  level: number;
  rotation: { ref: string };
  person: { ref: string; name: string; email?: string } | null;
  until?: string;
  override?: boolean;
  next?: { person: { ref: string }; from: string };
}
interface Answer {
  source: string;
  subject: string;
  team: string;
  computedAt: string;
  levels: Level[];
}
interface Override {
  id: number;
  user: string;
  from: string;
  until: string;
  reason: string;
  createdBy: string;
  removedBy?: string;
  removedReason?: string;
}

describeEachDatabase('on call API', (dialect) => {
  let catalog: TempCatalog;
  const clock = new Date('2026-06-01T12:00:00Z');
  let writer = '';
  let reader = '';

  before(() => {
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./org.yaml', './rotations.yaml', './services.yaml']),
      'org.yaml': [
        group('checkout'),
        group('ops'),
        user('ana', 'Ana Lima'),
        user('ben', 'Ben Okoro'),
        user('cy', 'Cy Park'),
      ].join('---\n'),
      'rotations.yaml': [rotation('primary', 1, ['ana', 'ben']), rotation('secondary', 2, ['user:cy'])].join('---\n'),
      'services.yaml': [
        component('shipment', { owner: 'checkout' }),
        component('labels', { owner: 'ops', system: 'shop' }),
        component('lonely', { owner: 'ops' }),
        SYSTEM,
      ].join('---\n'),
    });
  });
  after(() => catalog.cleanup());
  const fixture = useTestServer(dialect, () => ({ catalog: catalog.dir, now: () => clock, listen: true }));
  before(async () => {
    writer = (await fixture.server.tokens.create('oncall-bot', ['oncall:write'], 86_400_000)).token;
    reader = (await fixture.server.tokens.create('deployer', ['deployments:write'], 86_400_000)).token;
  });

  const get = (path: string) => fixture.server.app.request(path);
  const overridesPath = '/api/v1/rotations/default/primary/overrides';
  const post = (body: unknown, headers: Record<string, string> = {}, token = writer, path = overridesPath) =>
    fixture.server.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const remove = (id: number | string, reason = 'back from leave') =>
    fixture.server.app.request(`${overridesPath}/${id}?reason=${encodeURIComponent(reason)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${writer}` },
    });
  const answer = async (path = '/api/v1/entities/component/default/shipment/oncall') => {
    const res = await get(path);
    assert.equal(res.status, 200);
    return (await res.json()) as Answer;
  };
  const swap = (over: Record<string, unknown> = {}) => ({
    user: 'user:default/cy',
    from: '2026-06-01T10:00:00Z',
    until: '2026-06-01T18:00:00Z',
    reason: 'Ana is at the dentist',
    ...over,
  });

  describe('who is on call', () => {
    test("a service answers with its owner's rotations by level: person, contact, until, next", async () => {
      const body = await answer();
      assert.equal(body.source, 'atrium');
      assert.equal(body.subject, 'component:default/shipment');
      assert.equal(body.team, 'group:default/checkout');
      assert.equal(body.computedAt, clock.toISOString());
      assert.deepEqual(
        body.levels.map((l) => [l.level, l.rotation.ref, l.person?.name, l.person?.email, l.until, l.next?.person.ref]),
        [
          [
            1,
            'rotation:default/primary',
            'Ana Lima',
            'ana@example.com',
            '2026-06-02T09:00:00.000Z',
            'user:default/ben',
          ],
          [2, 'rotation:default/secondary', 'Cy Park', 'cy@example.com', undefined, undefined],
        ],
      );
    });

    test("a service whose owner has no rotation falls back to its system's owner; a team and a rotation answer too", async () => {
      assert.equal((await answer('/api/v1/entities/component/default/labels/oncall')).team, 'group:default/checkout');
      assert.equal((await answer('/api/v1/entities/group/default/checkout/oncall')).levels.length, 2);
      assert.equal((await answer('/api/v1/entities/rotation/default/secondary/oncall')).levels.length, 1);
    });

    test('an entity no rotation covers, or none at all, is a 404 that says why', async () => {
      const lonely = await get('/api/v1/entities/component/default/lonely/oncall');
      assert.equal(lonely.status, 404);
      assert.equal(((await lonely.json()) as { code: string }).code, 'no-rotation');
      assert.equal((await get('/api/v1/entities/component/default/nothing/oncall')).status, 404);
    });
  });

  describe('overrides', () => {
    test('a write without a token or without oncall:write is refused and writes nothing', async () => {
      const none = await fixture.server.app.request(overridesPath, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(swap()),
      });
      assert.equal(none.status, 401);
      assert.equal((await post(swap(), {}, reader)).status, 403);
      assert.deepEqual(((await (await get(overridesPath)).json()) as { items: unknown[] }).items, []);
    });

    test('malformed, hostile and oversized bodies and bad time ranges are refused with the field named', async () => {
      const cases: [unknown, number, string?][] = [
        ['{"user": ', 400],
        ['[]', 400],
        [swap({ extra: 1 }), 400],
        [swap({ reason: 'line\u001b[31m forged' }), 400],
        [swap({ reason: '' }), 400],
        [swap({ from: 'yesterday' }), 400],
        [swap({ from: '2026-02-30T10:00:00Z' }), 400],
        [swap({ user: 'x'.repeat(300) }), 400],
        [swap({ reason: 'r'.repeat(20_000) }), 413],
        [swap({ until: '2026-06-01T09:00:00Z' }), 422, 'until'],
        [swap({ until: '2026-06-01T10:00:00Z' }), 422, 'until'],
        [swap({ until: '2026-09-01T10:00:01Z' }), 422, 'until'],
        [swap({ from: '2026-05-01T10:00:00Z', until: '2026-05-02T10:00:00Z' }), 422, 'until'],
        [swap({ user: 'ghost' }), 422, 'user'],
        [swap({ user: 'group:checkout' }), 422, 'user'],
        [swap({ user: 'user:' }), 422, 'user'],
      ];
      for (const [body, status, field] of cases) {
        const res = await post(body);
        assert.equal(res.status, status, JSON.stringify(body).slice(0, 80));
        if (field) {
          const problem = (await res.json()) as { errors: { field: string }[] };
          assert.equal(problem.errors[0]?.field, field);
        }
      }
      assert.equal((await post(swap(), {}, writer, '/api/v1/rotations/default/nope/overrides')).status, 404);
      assert.deepEqual(((await (await get(overridesPath)).json()) as { items: unknown[] }).items, []);
    });

    test('an override puts its person on call, replays with its Idempotency-Key, and is audited when removed', async () => {
      const created = await post(swap(), { 'idempotency-key': 'swap-1' });
      assert.equal(created.status, 201);
      const override = (await created.json()) as Override;
      assert.equal(override.createdBy, 'oncall-bot');
      assert.equal(override.user, 'user:default/cy');
      assert.equal(override.from, '2026-06-01T10:00:00.000Z');

      const replay = await post(swap(), { 'idempotency-key': 'swap-1' });
      assert.equal(replay.status, 201);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(await replay.json(), override);
      assert.equal((await post(swap({ reason: 'other' }), { 'idempotency-key': 'swap-1' })).status, 422);

      const level1 = (await answer()).levels[0] as Level;
      assert.equal(level1.person?.ref, 'user:default/cy');
      assert.equal(level1.override, true);
      assert.equal(level1.until, '2026-06-01T18:00:00.000Z');
      assert.equal(level1.next?.person.ref, 'user:default/ana');

      const listed = ((await (await get(overridesPath)).json()) as { items: Override[] }).items;
      assert.deepEqual(listed, [override]);

      const removed = await remove(override.id);
      assert.equal(removed.status, 200);
      const record = (await removed.json()) as Override;
      assert.equal(record.removedBy, 'oncall-bot');
      assert.equal(record.removedReason, 'back from leave');
      assert.deepEqual(
        await (await remove(override.id, 'again')).json(),
        record,
        'a second removal answers the record',
      );
      assert.equal((await answer()).levels[0]?.person?.ref, 'user:default/ana');
      assert.deepEqual(((await (await get(overridesPath)).json()) as { items: Override[] }).items, []);
      const history = ((await (await get(`${overridesPath}?removed=true`)).json()) as { items: Override[] }).items;
      assert.deepEqual(history, [record]);
      assert.equal((await remove(999_999)).status, 404);
      assert.equal((await remove('x')).status, 400);
      assert.equal((await remove(override.id, '')).status, 400);
    });

    test('of overlapping overrides the newest wins', async () => {
      assert.equal((await post(swap({ user: 'ben', from: '2026-06-01T11:00:00Z' }))).status, 201);
      assert.equal((await post(swap({ user: 'cy', until: '2026-06-01T13:00:00Z' }))).status, 201);
      const level1 = (await answer()).levels[0] as Level;
      assert.equal(level1.person?.ref, 'user:default/cy');
      assert.equal(level1.until, '2026-06-01T13:00:00.000Z');
      assert.equal(level1.next?.person.ref, 'user:default/ben');
    });
  });

  test('the service page shows On call now with its plan for the browser', async () => {
    const res = await get('/catalog/default/component/shipment/');
    const page = await res.text();
    assert.match(page, /<h2 id="oncall">On call now<\/h2>/);
    assert.match(page, /data-oncall-plan="\{&quot;plan&quot;/);
    assert.match(page, /data-oncall-api="\/api\/v1\/entities\/component\/default\/shipment\/oncall"/);
    assert.match(page, /computed by Atrium at/);
  });

  test('atrium oncall: now, override and remove against the server; usage errors exit 64, refusals 65', async () => {
    const run = async (args: string[], token = writer) => {
      let out = '';
      let err = '';
      const io: CommandIO = {
        out: (t) => void (out += t),
        err: (t) => void (err += t),
        env: { ATRIUM_URL: fixture.url, ATRIUM_TOKEN: token },
        cwd: process.cwd(),
      };
      return { code: await main(['oncall', ...args], io), out, err };
    };
    const now = await run(['now', '--service', 'shipment'], '');
    assert.equal(now.code, 0, now.err);
    // Level 1 carries the overrides of the tests above; level 2 is untouched by them.
    assert.match(now.out, /^On call for component:default\/shipment \(rotations of group:default\/checkout\)/);
    assert.match(now.out, /level 2 secondary: Cy Park <cy@example.com>\n/);
    const set = await run([
      'override',
      '--rotation',
      'secondary',
      '--user',
      'ana',
      '--from',
      '2026-06-01T11:00:00Z',
      '--until',
      '2026-06-01T20:00:00Z',
      '--reason',
      'cover',
      '--format',
      'json',
    ]);
    assert.equal(set.code, 0, set.err);
    const { id } = JSON.parse(set.out) as { id: number };
    const json = JSON.parse((await run(['now', '--service', 'shipment', '--format', 'json'])).out) as Answer;
    assert.equal(json.levels[1]?.person?.ref, 'user:default/ana');
    assert.equal((await run(['remove', '--rotation', 'secondary', '--id', String(id), '--reason', 'done'])).code, 0);
    assert.equal((await run(['override', '--rotation', 'secondary'])).code, 64);
    assert.equal((await run(['now'])).code, 64);
    assert.equal(
      (await run(['override', '--rotation', 'group:x', '--user', 'a', '--until', 'x', '--reason', 'r'])).code,
      64,
    );
    const refused = await run([
      'override',
      '--rotation',
      'secondary',
      '--user',
      'ghost',
      '--until',
      '2026-06-01T20:00:00Z',
      '--reason',
      'r',
    ]);
    assert.equal(refused.code, 65);
    assert.match(refused.err, /user: user:default\/ghost is not a User/);
    assert.equal((await run(['now', '--service', 'lonely'], '')).code, 65);
  });
});

describe('static export', () => {
  test('a service page carries On call now and the plan the browser computes from (no API, no overrides)', async (t) => {
    const dir = tempDir(t);
    const files: Record<string, string> = {
      'catalog-info.yaml': location(['./org.yaml', './rotations.yaml', './services.yaml']),
      'org.yaml': [group('checkout'), user('ana', 'Ana Lima'), user('ben', 'Ben Okoro')].join('---\n'),
      'rotations.yaml': rotation('primary', 1, ['ana', 'ben']),
      'services.yaml': component('shipment', { owner: 'checkout' }),
    };
    for (const [name, content] of Object.entries(files)) writeFile(dir, `catalog/${name}`, content);
    let err = '';
    const io: CommandIO = { out: () => undefined, err: (t) => void (err += t), env: {}, cwd: dir };
    const code = await main(
      ['build', '--catalog', join(dir, 'catalog'), '--database', join(dir, 'db.sqlite'), '--out', join(dir, 'site')],
      io,
    );
    assert.equal(code, 0, err);
    const page = readFileSync(join(dir, 'site/catalog/default/component/shipment/index.html'), 'utf8');
    assert.match(page, /<h2 id="oncall">On call now<\/h2>/);
    assert.doesNotMatch(page, /data-oncall-api/);
    const attribute = /data-oncall-plan="([^"]*)"/.exec(page)?.[1] ?? '';
    const { plan } = JSON.parse(
      attribute
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    ) as { plan: OnCallPlan };
    // What the portal's script computes when the page is opened on 3 June 2026 at 10:00 UTC.
    const answer = answerAt(plan, Date.parse('2026-06-03T10:00:00Z'));
    assert.equal(answer.levels[0]?.person?.name, 'Ana Lima');
    assert.equal(answer.levels[0]?.until, '2026-06-04T09:00:00.000Z');
    assert.deepEqual(plan.rotations[0]?.overrides, []);
  });
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * The post-mortem API as outside tools use it: the fixed `POST /api/v1/incidents/{id}/actions`
 * (a fourth item answers 422 problem+json saying why), items done and deprioritised, the
 * post-mortem published, edited and reviewed, the overdue list, scopes and idempotency.
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/postmortems/', import.meta.url));

describeEachDatabase('the post-mortem API', (dialect) => {
  let clock = new Date('2026-01-07T10:00:00Z');
  const fixture = useTestServer(dialect, { catalog: FIXTURE, now: () => clock });
  let writer = '';
  let other = '';
  let reader = '';
  let id = '';
  before(async () => {
    writer = (await fixture.server.tokens.create('ada', ['incidents:write'], null)).token;
    other = (await fixture.server.tokens.create('bob', ['incidents:write'], null)).token;
    reader = (await fixture.server.tokens.create('viewer', ['notifications:read'], null)).token;
    const declared = await fixture.server.app.request('/api/v1/incidents', {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'component:default/checkout-service', severity: 'SEV2', title: 'Checkout down' }),
    });
    assert.equal(declared.status, 201);
    id = String(((await declared.json()) as { id: number }).id);
  });
  const send = (method: string, path: string, body?: unknown, token = writer, headers: Record<string, string> = {}) =>
    fixture.server.app.request(path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        'content-type': 'application/json',
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const item = (title: string, over: Record<string, unknown> = {}) => ({
    title,
    owner: 'group:default/checkout',
    deadline: '2026-01-21',
    type: 'prevent',
    ...over,
  });

  test('three items are added; the fourth answers 422 problem+json saying why and how to merge or drop one', async () => {
    const first = await send('POST', `/api/v1/incidents/${id}/actions`, item('Alert on queue depth'), writer, {
      'idempotency-key': 'add-1',
    });
    assert.equal(first.status, 201);
    const created = (await first.json()) as { id: number; owner: string; status: string; overdue: boolean };
    assert.deepEqual([created.owner, created.status, created.overdue], ['group:default/checkout', 'open', false]);
    const replay = await send('POST', `/api/v1/incidents/${id}/actions`, item('Alert on queue depth'), writer, {
      'idempotency-key': 'add-1',
    });
    assert.equal(replay.status, 201);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(((await replay.json()) as { id: number }).id, created.id);
    for (const title of ['Runbook', 'Retry budget'])
      assert.equal((await send('POST', `/api/v1/incidents/${id}/actions`, item(title))).status, 201);
    const fourth = await send('POST', `/api/v1/incidents/${id}/actions`, item('Be more careful'));
    assert.equal(fourth.status, 422);
    assert.match(fourth.headers.get('content-type') ?? '', /application\/problem\+json/);
    const problem = (await fourth.json()) as { code: string; detail: string; hint: string };
    assert.equal(problem.code, 'too-many-action-items');
    assert.match(problem.detail, /three items get done, ten get forgotten/);
    assert.match(problem.detail, /Merge this one into an existing item/);
    assert.match(problem.hint, /deprioritise one with a reason/);
  });

  test('no owner, no deadline, an unknown owner or a malformed body is refused with the fields named', async () => {
    const none = await send('POST', `/api/v1/incidents/${id}/actions`, { title: 'Be more careful', type: 'process' });
    assert.equal(none.status, 422);
    const body = (await none.json()) as { errors: { field: string }[] };
    assert.deepEqual(
      body.errors.map((e) => e.field),
      ['owner', 'deadline'],
    );
    const unknown = await send('POST', `/api/v1/incidents/${id}/actions`, item('x', { owner: 'user:default/nobody' }));
    assert.equal(unknown.status, 422);
    assert.equal((await send('POST', `/api/v1/incidents/${id}/actions`, '{"title":')).status, 400);
    assert.ok([400, 422].includes((await send('POST', `/api/v1/incidents/${id}/actions`, { owner: 7 })).status));
    assert.equal((await send('POST', `/api/v1/incidents/${id}/actions`, item('x', { extra: 1 }))).status >= 400, true);
    assert.equal((await send('POST', '/api/v1/incidents/99999/actions', item('x'))).status, 404);
    assert.equal((await send('POST', '/api/v1/incidents/abc/actions', item('x'))).status, 400);
  });

  test('writes need a token with incidents:write', async () => {
    assert.equal((await send('POST', `/api/v1/incidents/${id}/actions`, item('x'), '')).status, 401);
    assert.equal((await send('POST', `/api/v1/incidents/${id}/actions`, item('x'), reader)).status, 403);
    assert.equal((await send('PUT', `/api/v1/incidents/${id}/postmortem`, { markdown: '# x' }, reader)).status, 403);
  });

  test('before publication the template is offered; publish, edit, review by someone else', async () => {
    const before = (await (await send('GET', `/api/v1/incidents/${id}/postmortem`, undefined, '')).json()) as {
      template: string;
      items: unknown[];
    };
    assert.match(before.template, /## Contributing factors/);
    assert.match(before.template, /## Timeline\n\n- \*\*/, 'the timeline is the incident’s');
    assert.equal(before.items.length, 3);
    const put = await send('PUT', `/api/v1/incidents/${id}/postmortem`, { markdown: before.template });
    assert.equal(put.status, 200);
    assert.equal(((await put.json()) as { author: string }).author, 'ada');
    assert.equal((await send('POST', `/api/v1/incidents/${id}/postmortem/review`)).status, 409);
    const reviewed = await send('POST', `/api/v1/incidents/${id}/postmortem/review`, undefined, other);
    assert.equal(reviewed.status, 200);
    assert.equal(((await reviewed.json()) as { reviewedBy: string }).reviewedBy, 'bob');
    assert.equal((await send('PUT', `/api/v1/incidents/${id}/postmortem`, { markdown: '' })).status, 400);
  });

  test('items are done or deprioritised with a reason; the overdue list shows the rest after two sprints', async () => {
    const { items } = (await (await send('GET', `/api/v1/incidents/${id}/postmortem`)).json()) as {
      items: { id: number }[];
    };
    const [one, two] = items;
    const done = await send('PATCH', `/api/v1/incidents/${id}/actions/${one?.id}`, { status: 'done' });
    assert.equal(done.status, 200);
    assert.equal(((await done.json()) as { doneBy: string }).doneBy, 'ada');
    assert.equal((await send('PATCH', `/api/v1/incidents/${id}/actions/${one?.id}`, { status: 'done' })).status, 409);
    assert.equal(
      (await send('PATCH', `/api/v1/incidents/${id}/actions/${two?.id}`, { status: 'deprioritised' })).status,
      422,
    );
    const dropped = await send('PATCH', `/api/v1/incidents/${id}/actions/${two?.id}`, {
      status: 'deprioritised',
      reason: 'Superseded by the queue rewrite',
    });
    assert.equal(dropped.status, 200);
    assert.equal((await send('PATCH', `/api/v1/incidents/${id}/actions/99999`, { status: 'done' })).status, 404);
    assert.deepEqual((await (await send('GET', '/api/v1/postmortems/actions?overdue=true')).json()) as object, {
      items: [],
      next: null,
    });
    clock = new Date('2026-02-02T00:00:00Z');
    const overdue = (await (await send('GET', '/api/v1/postmortems/actions?overdue=true')).json()) as {
      items: { title: string; overdue: boolean; overdueFrom: string }[];
    };
    assert.deepEqual(
      overdue.items.map((i) => [i.title, i.overdue, i.overdueFrom]),
      [['Retry budget', true, '2026-02-02']],
    );
    const team = (await (
      await send('GET', '/api/v1/postmortems/actions?owner=checkout&status=deprioritised')
    ).json()) as {
      items: { deprioritisedReason: string; deprioritisedBy: string }[];
    };
    assert.deepEqual(
      team.items.map((i) => [i.deprioritisedReason, i.deprioritisedBy]),
      [['Superseded by the queue rewrite', 'ada']],
    );
    assert.equal((await send('GET', '/api/v1/postmortems/actions?owner=component:x')).status, 400);
  });

  test('the item list is paged: limit, then `next` as `after` to the end; bad paging is 400', async () => {
    const all = (await (await send('GET', '/api/v1/postmortems/actions')).json()) as {
      items: { id: number }[];
      next: number | null;
    };
    assert.ok(all.items.length >= 2);
    assert.equal(all.next, null);
    const seen: number[] = [];
    let after = '';
    for (;;) {
      const page = (await (await send('GET', `/api/v1/postmortems/actions?limit=1${after}`)).json()) as {
        items: { id: number }[];
        next: number | null;
      };
      assert.ok(page.items.length <= 1);
      seen.push(...page.items.map((i) => i.id));
      if (page.next === null) break;
      after = `&after=${page.next}`;
    }
    assert.deepEqual(
      seen,
      all.items.map((i) => i.id),
    );
    for (const bad of ['limit=0', 'limit=1001', 'limit=-1', 'after=x', 'after=1e3', `after=${'9'.repeat(40)}`]) {
      const res = await send('GET', `/api/v1/postmortems/actions?${bad}`);
      assert.equal(res.status, 400, bad);
    }
  });

  test('the OpenAPI document has every post-mortem route', async () => {
    const doc = (await (await fixture.server.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, object>;
    };
    for (const path of [
      '/api/v1/incidents/{id}/actions',
      '/api/v1/incidents/{id}/actions/{item}',
      '/api/v1/incidents/{id}/postmortem',
      '/api/v1/incidents/{id}/postmortem/review',
      '/api/v1/postmortems/actions',
    ])
      assert.ok(doc.paths[path], path);
  });
});

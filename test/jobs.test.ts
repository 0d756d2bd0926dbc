import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { jobExecutor } from '../src/jobs/job-executor.ts';
import type { ExecutionContext, LeasedRun } from '../src/runners/model.ts';
import type { AtriumServer } from '../src/server.ts';
import { component, group, tempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { json, loopbackServer } from './support/loopback.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * Scheduled jobs end to end on both databases, with an injected clock and the real runner
 * queue (runs leased, run by the job executor against a loopback target, reported): a run
 * recorded with its runner; a failure retried after backoff, then alerted once on the
 * timeline and at the owner's receiver; Forbid and Replace with an overrunning run;
 * catch-up after downtime; heartbeat pings and a missed one; run now, suspend, resume and
 * cancel through the API; hostile requests refused with nothing written.
 */

const START = Date.parse('2026-06-01T10:00:30.000Z');
let nowMs = START;
const target = await loopbackServer(json(200, { imported: 3 }));
const job = (name: string, lines: string[]) =>
  [
    '---',
    'apiVersion: atrium.dev/v1',
    'kind: Job',
    `metadata: { name: ${name} }`,
    'spec:',
    '  service: component:rate-card-importer',
    ...lines,
  ].join('\n');
const catalog = tempCatalog({
  'catalog-info.yaml': [
    component('rate-card-importer', { owner: 'pricing' }),
    '---',
    group('pricing'),
    // Each runner-run job at a location of its own, so a test's runner leases only its job's runs.
    job('import', [
      '  schedule: "* * * * *"',
      '  location: import',
      '  retries: { count: 1, backoff: 10s }',
      `  action: { http: { method: POST, url: "${target.url}/import" } }`,
    ]),
    job('forbid', [
      '  schedule: "* * * * *"',
      '  location: forbid',
      '  concurrencyPolicy: Forbid',
      `  action: { http: { method: GET, url: "${target.url}/slow" } }`,
    ]),
    job('replace', [
      '  schedule: "* * * * *"',
      '  location: replace',
      '  concurrencyPolicy: Replace',
      `  action: { http: { method: GET, url: "${target.url}/slow" } }`,
    ]),
    job('catchup', [
      '  schedule: "* * * * *"',
      '  location: catchup',
      '  catchUp: 3',
      `  action: { http: { method: GET, url: "${target.url}/ok" } }`,
    ]),
    job('cron-watch', ['  schedule: "*/5 * * * *"', '  action: { heartbeat: { grace: 2m } }']),
    '',
  ].join('\n'),
});
after(async () => {
  await target.close();
  catalog.cleanup();
});

const context = (): ExecutionContext => ({
  signal: new AbortController().signal,
  secrets: {},
  settings: {
    location: 'local',
    tags: [],
    allowedPrivateTargets: [],
    allowedCommands: [],
    allowedWorkingDirectories: [],
    allowedEnvironment: [],
  },
  now: () => nowMs,
});

describeEachDatabase('scheduled jobs', (dialect) => {
  const fixture = useTestServer(dialect, {
    catalog: catalog.dir,
    now: () => new Date(nowMs),
    runnerNow: () => nowMs,
    runnerLongPollMs: 0,
    // Leases hold through the clock's jumps: an overrunning run stays leased.
    runnerLeaseMs: 60 * 60_000,
    receivers: [{ name: 'hook', type: 'webhook', url: `${target.url}/hook`, secret: 's'.repeat(32) }],
    teamReceivers: { 'group:default/pricing': ['hook'] },
  });
  let server: AtriumServer;
  let token = '';
  let readOnly = '';
  before(async () => {
    server = fixture.server;
    token = (await server.tokens.create('cron-host', ['jobs:write'], null)).token;
    readOnly = (await server.tokens.create('reader', ['deployments:write'], null)).token;
    nowMs = START;
    await server.jobs.tick(); // first sight: every job starts now
  });

  const lease = (location: string): Promise<LeasedRun[]> =>
    server.runners.lease({ name: `runner-${location}`, location, tags: [], version: '0.1.0', capacity: 5 });
  /** Leases `location`'s due runs and runs each to its report, as a runner does. */
  const runAll = async (location: string) => {
    const runs = await lease(location);
    for (const run of runs)
      await server.runners.report(run.runId, run.leaseToken, await jobExecutor.run(run.payload, context()));
    return runs.length;
  };
  const runsOf = async (name: string) => {
    const res = await server.app.request(`/api/v1/jobs/default/${name}/runs?limit=500`);
    assert.equal(res.status, 200);
    return (
      (await res.json()) as {
        items: {
          tick: string;
          status: string;
          startedAt: string | null;
          finishedAt: string | null;
          runner: string | null;
          attempt: number;
          summary: string | null;
          output: string | null;
        }[];
      }
    ).items;
  };
  const post = (path: string, body?: unknown, headers: Record<string, string> = {}, bearer = token) =>
    server.app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const timeline = async () =>
    (await server.changes.timeline('component:default/rate-card-importer', { kinds: ['other'] }, 200)).map(
      (e) => e.summary,
    );
  const notified = async (subject: string) =>
    (
      await fixture.database.db
        .selectFrom('notifications')
        .select('dedup_key')
        .where('subject_key', '=', subject)
        .execute()
    ).map((r) => r.dedup_key);
  const advance = async (ms: number) => {
    nowMs += ms;
    return server.jobs.tick();
  };

  test('a tick is ordered, leased, run against the target and recorded with its runner', async () => {
    target.answer(json(200, { imported: 3 }));
    const sent = target.received.length;
    await advance(60_000);
    assert.equal(await runAll('import'), 1);
    const [run] = await runsOf('import');
    assert.equal(run?.tick, '2026-06-01T10:01:00.000Z');
    assert.equal(run?.status, 'success');
    assert.equal(run?.runner, 'runner-import');
    assert.equal(run?.attempt, 1);
    assert.match(run?.output ?? '', /imported/);
    assert.ok(run?.startedAt && run.finishedAt);
    assert.deepEqual(
      target.received.slice(sent).map((r) => `${r.method} ${r.url}`),
      ['POST /import'],
    );
  });

  test('a failure is retried after its backoff, then recorded failed and alerted once', async () => {
    target.answer((req, res) => {
      res.writeHead(req.url === '/hook' ? 200 : 503);
      res.end('{"error":"rates db down"}');
    });
    await advance(60_000);
    assert.equal(await runAll('import'), 1);
    let [run] = await runsOf('import');
    assert.equal(run?.status, 'queued');
    assert.equal(run?.attempt, 2);
    assert.match(run?.summary ?? '', /Attempt 1 failed.*retrying/);
    assert.equal(await runAll('import'), 0, 'not before its backoff');
    nowMs += 10_000;
    assert.equal(await runAll('import'), 1);
    [run] = await runsOf('import');
    assert.equal(run?.status, 'failed');
    assert.equal(run?.attempt, 2);
    assert.match(run?.summary ?? '', /status 503/);
    assert.equal(await server.jobs.sendAlerts(), 1);
    assert.equal(await server.jobs.sendAlerts(), 0, 'once');
    assert.ok((await timeline()).some((s) => /^Job import failed of 2026-06-01T10:02:00.000Z: status 503/.test(s)));
    assert.deepEqual(await notified('job:default/import'), ['job:default/import']);
  });

  test('Forbid: a tick while a run overruns is skipped; Replace: the overrunning run is cancelled for the new one', async () => {
    target.answer(json(200, {}));
    // Earlier ticks' runs end first.
    await runAll('forbid');
    await runAll('replace');
    nowMs += 50_000;
    await server.jobs.tick();
    const forbidden = await lease('forbid');
    const replaced = await lease('replace');
    assert.equal(forbidden.length, 1);
    assert.equal(replaced.length, 1);
    // Neither reports: both overrun into the next tick.
    await advance(60_000);
    const forbidRuns = await runsOf('forbid');
    assert.deepEqual(
      forbidRuns.slice(0, 2).map((r) => r.status),
      ['skipped', 'running'],
    );
    assert.match(forbidRuns[0]?.summary ?? '', /previous run had not finished/);
    assert.equal(await runAll('forbid'), 0, 'nothing new to run');
    const replaceRuns = await runsOf('replace');
    assert.deepEqual(
      replaceRuns.slice(0, 2).map((r) => r.status),
      ['queued', 'cancelled'],
    );
    assert.equal(
      (await server.runners.renew(replaced[0]?.runId ?? '', replaced[0]?.leaseToken ?? '', 'runner-replace')).state,
      'cancelled',
    );
    assert.equal(await runAll('replace'), 1, 'the new tick runs');
    assert.equal((await runsOf('replace'))[0]?.status, 'success');
    // The overrunning Forbid run ends; the next tick runs again.
    await server.runners.report(forbidden[0]?.runId ?? '', forbidden[0]?.leaseToken ?? '', {
      status: 'success',
      summary: 'done',
      detail: null,
    });
    await advance(60_000);
    assert.equal(await runAll('forbid'), 1);
  });

  test('after downtime, catchUp: 3 runs the last three late ticks and the one due now; the rest are missed', async () => {
    await runAll('catchup');
    await runAll('import');
    await runAll('replace');
    await advance(10 * 60_000);
    const runs = (await runsOf('catchup')).slice(0, 10);
    assert.deepEqual(
      runs.map((r) => r.status),
      ['queued', 'queued', 'queued', 'queued', 'missed', 'missed', 'missed', 'missed', 'missed', 'missed'],
    );
    assert.equal(await runAll('catchup'), 4);
    assert.equal((await server.jobs.sendAlerts()) >= 1, true);
    assert.equal((await notified('job:default/catchup')).length, 1, 'one alert for the backlog');
  });

  test('heartbeat: pings start and end a run; no ping within the grace is a missed run, alerted', async () => {
    nowMs = Date.parse('2026-06-01T11:04:50.000Z');
    await server.jobs.tick();
    // The ticks since the last test passed without pings: missed together, alerted once.
    await server.jobs.checkHeartbeats();
    await server.jobs.sendAlerts();
    const alertsBefore = (await notified('job:default/cron-watch')).length;
    await advance(10_000); // 11:05:00, a tick of */5
    const ping = (event: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
      post('/api/v1/jobs/default/cron-watch/runs', { event, ...extra }, headers);
    nowMs += 5_000;
    assert.equal((await ping('start', {}, { 'idempotency-key': 'k-start' })).status, 202);
    const replay = await ping('start', {}, { 'idempotency-key': 'k-start' });
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(
      (await ping('success', {}, { 'idempotency-key': 'k-start' })).status,
      422,
      'the key with another body',
    );
    nowMs += 30_000;
    assert.equal((await ping('success', { log: `${'x'.repeat(20_000)}imported 3 rate cards` })).status, 202);
    let [run] = await runsOf('cron-watch');
    assert.equal(run?.tick, '2026-06-01T11:05:00.000Z');
    assert.equal(run?.status, 'success');
    assert.equal(run?.startedAt, '2026-06-01T11:05:05.000Z');
    assert.match(run?.output ?? '', /imported 3 rate cards$/);
    assert.ok((run?.output?.length ?? 0) <= 8 * 1024);
    // 11:10: no ping comes; after the 2 minute grace the run is missed.
    await advance(5 * 60_000);
    nowMs += 60_000;
    assert.deepEqual(await server.jobs.checkHeartbeats(), { missed: 0, stalled: 0 });
    nowMs += 61_000;
    assert.deepEqual(await server.jobs.checkHeartbeats(), { missed: 1, stalled: 0 });
    [run] = await runsOf('cron-watch');
    assert.equal(run?.status, 'missed');
    await server.jobs.sendAlerts();
    assert.ok(
      (await timeline()).some((s) => s.startsWith('Job cron-watch missed its run of 2026-06-01T11:10:00.000Z')),
    );
    assert.equal((await notified('job:default/cron-watch')).length, alertsBefore + 1);
  });

  test('hostile pings are refused, nothing written', async () => {
    const before = (await runsOf('cron-watch')).length;
    const path = '/api/v1/jobs/default/cron-watch/runs';
    assert.equal((await post(path, { event: 'start' }, {}, 'atrium_nope')).status, 401);
    assert.equal((await post(path, { event: 'start' }, {}, readOnly)).status, 403);
    assert.equal((await post(path, '{"event": ')).status, 400);
    assert.equal((await post(path, { event: 'explode' })).status, 400);
    assert.equal((await post(path, { event: 'start', log: 42 })).status, 400);
    assert.equal((await post(path, { event: 'start', log: 'x'.repeat(200_000) })).status, 413);
    assert.equal((await post(path, { event: 'start' }, { 'idempotency-key': 'bad\u0001key' })).status, 400);
    assert.equal((await post('/api/v1/jobs/default/nope/runs', { event: 'start' })).status, 404);
    assert.equal(
      (await post('/api/v1/jobs/default/import/runs', { event: 'start' })).status,
      409,
      'not a heartbeat job',
    );
    assert.equal((await post(`/api/v1/jobs/default/${'x'.repeat(100)}/runs`, { event: 'start' })).status, 400);
    assert.equal((await runsOf('cron-watch')).length, before);
  });

  test('run now, suspend, resume and cancel through the API, each on the timeline', async () => {
    const act = (action: string, name = 'import', headers: Record<string, string> = {}) =>
      post(`/api/v1/jobs/default/${name}/${action}`, undefined, headers);
    await runAll('import');
    assert.equal((await act('run-now', 'import', {})).status, 200);
    assert.equal(await runAll('import'), 1);
    assert.equal((await runsOf('import'))[0]?.status, 'success');
    const suspended = await act('suspend', 'import', { 'idempotency-key': 'sus-1' });
    assert.equal(suspended.status, 200);
    const again = await act('suspend', 'import', { 'idempotency-key': 'sus-1' });
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    const count = (await runsOf('import')).length;
    await advance(3 * 60_000);
    assert.equal((await runsOf('import')).length, count, 'no runs while suspended');
    assert.equal((await act('resume')).status, 200);
    await advance(60_000);
    assert.equal((await runsOf('import')).length, count + 1, 'ticks again, without catch-up');
    const cancelled = await act('cancel');
    assert.equal(cancelled.status, 200);
    assert.equal(((await cancelled.json()) as { cancelled: number }).cancelled, 1);
    assert.equal((await runsOf('import'))[0]?.status, 'cancelled');
    assert.equal((await act('run-now', 'cron-watch')).status, 409, 'a heartbeat job runs elsewhere');
    assert.equal((await post('/api/v1/jobs/default/import/suspend', undefined, {}, readOnly)).status, 403);
    const summaries = await timeline();
    for (const what of [
      'run now by cron-host',
      'suspended by cron-host',
      'resumed by cron-host',
      'unfinished runs cancelled by cron-host',
    ])
      assert.equal(summaries.filter((s) => s.includes(what)).length, 1, what);
  });

  test('the service page has a Jobs card; a job page its schedule in its zone, next five runs and history with logs', async () => {
    const service = await server.app.request('/catalog/default/component/rate-card-importer/');
    assert.equal(service.status, 200);
    const page = await service.text();
    assert.match(page, /<h2 id="jobs">Jobs<\/h2>/);
    assert.match(page, /every 5 minutes <span class="muted small">\(UTC\)<\/span>/);
    assert.match(page, /<span class="badge badge-error"[^>]*>missed<\/span>/);
    const jobPage = await (await server.app.request('/catalog/default/job/cron-watch/')).text();
    assert.match(jobPage, /<h2 id="job-schedule">Schedule<\/h2>/);
    assert.equal((jobPage.match(/<li>[^<]*UTC <span class="muted small">/g) ?? []).length, 5, 'five next runs');
    assert.match(jobPage, /<h2 id="job-history">History<\/h2>/);
    assert.match(jobPage, /<pre class="job-log">[^<]*imported 3 rate cards<\/pre>/);
    // A target answering markup: the run's log shows it as text.
    target.answer((_req, res) => {
      res.writeHead(500);
      res.end('<script>alert(1)</script>');
    });
    await runAll('import');
    assert.equal((await post('/api/v1/jobs/default/import/run-now')).status, 200);
    assert.equal(await runAll('import'), 1);
    const hostile = await (await server.app.request('/catalog/default/job/import/')).text();
    assert.ok(hostile.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!hostile.includes('<script>alert(1)'), 'run output is escaped');
  });

  test('a successful run shows at once on the cached job page and service card (the jobs signal), within the minute', async () => {
    target.answer(json(200, { imported: 3 }));
    const pages = ['/catalog/default/job/import/', '/catalog/default/component/rate-card-importer/'];
    await runAll('import');
    await advance(60_000); // orders the next tick: queued, shown as such
    const tick = new Date(Math.floor(nowMs / 60_000) * 60_000).toISOString();
    const badge = (status: string) => new RegExp(`title="${tick}[^"]*">${status}</span>`);
    for (const path of pages) assert.match(await (await server.app.request(path)).text(), badge('queued'), path);
    // No tick, no timeline change, the same minute and hour: only the runs' ends move the pages.
    assert.ok((await runAll('import')) >= 1);
    assert.equal((await runsOf('import'))[0]?.status, 'success');
    for (const path of pages) assert.match(await (await server.app.request(path)).text(), badge('success'), path);
  });

  test('GET /api/v1/jobs lists every job with its schedule in words and its next run', async () => {
    const res = await server.app.request('/api/v1/jobs?service=rate-card-importer');
    assert.equal(res.status, 200);
    const { items } = (await res.json()) as {
      items: { name: string; scheduleInWords: string; nextRunAt: string | null; action: string }[];
    };
    assert.deepEqual(
      items.map((j) => j.name),
      ['catchup', 'cron-watch', 'forbid', 'import', 'replace'],
    );
    assert.equal(items.find((j) => j.name === 'cron-watch')?.scheduleInWords, 'every 5 minutes');
    assert.ok(items.every((j) => j.nextRunAt !== null));
    assert.equal((await server.app.request('/api/v1/jobs?service=component:default/ghost')).status, 404);
    for (const bad of ['?limit=0', '?limit=501', '?limit=x', '?before=yesterday', `?before=${'9'.repeat(300)}`])
      assert.equal((await server.app.request(`/api/v1/jobs/default/import/runs${bad}`)).status, 400, bad);
    assert.equal((await server.app.request('/api/v1/jobs/default/ghost/runs')).status, 404);
    assert.equal((await server.app.request('/api/v1/jobs/default/%00/runs')).status, 400);
    assert.equal((await server.app.request('/api/v1/jobs/default/..%2F..%2Fetc/runs')).status, 400);
    assert.equal((await server.app.request('/api/v1/jobs?service=%00')).status, 400);
    assert.equal((await server.app.request('/api/v1/jobs?owner=group:default/pri%01cing')).status, 400);
    const page = await server.app.request(
      `/api/v1/jobs/default/import/runs?limit=2&before=${encodeURIComponent('2026-06-01T10:03:00.000Z')}`,
    );
    assert.deepEqual(
      ((await page.json()) as { items: { tick: string }[] }).items.map((r) => r.tick),
      ['2026-06-01T10:02:00.000Z', '2026-06-01T10:01:00.000Z'],
      'the next page, newest first',
    );
    const doc = (await (await server.app.request('/api/openapi.json')).json()) as { paths: Record<string, unknown> };
    for (const path of [
      '/api/v1/jobs',
      '/api/v1/jobs/{namespace}/{name}/runs',
      '/api/v1/jobs/{namespace}/{name}/run-now',
      '/api/v1/jobs/{namespace}/{name}/cancel',
    ])
      assert.ok(doc.paths[path], path);
  });
});

describe('job runs API shape', () => {
  test('uses the issue’s fixed names', () => {
    assert.deepEqual(Object.keys({ tick: '', status: '', startedAt: null, finishedAt: null, runner: null }), [
      'tick',
      'status',
      'startedAt',
      'finishedAt',
      'runner',
    ]);
  });
});

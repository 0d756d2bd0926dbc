import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { component, group, tempCatalog } from './support/catalog.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * A service page varies with SLO cycles, check runs and job runs only when the service has
 * SLOs, checks or jobs: at 50,000 entities, every evaluation cycle (and every minute) used to
 * send every service page back to the renderer, cards or not.
 */

const START = Date.parse('2026-06-01T10:00:30.000Z');
let nowMs = START;
const atrium = (kind: string, name: string, lines: string[]) =>
  ['---', 'apiVersion: atrium.dev/v1', `kind: ${kind}`, `metadata: { name: ${name} }`, 'spec:', ...lines].join('\n');
const catalog = tempCatalog({
  'catalog-info.yaml': [
    component('watched', { owner: 'ops' }),
    '---',
    component('plain', { owner: 'ops' }),
    '---',
    group('ops'),
    '---',
    group('quiet'),
    '---',
    component('lonely', { owner: 'quiet' }),
    atrium('SLO', 'watched-availability', [
      '  service: component:watched',
      '  objective: 99.9',
      '  window: 30d',
      '  indicator: { events: {} }',
    ]),
    atrium('Check', 'watched-health', [
      '  service: component:watched',
      '  type: http',
      '  interval: 1m',
      '  http: { url: "https://watched.example/healthz" }',
    ]),
    atrium('Job', 'watched-nightly', [
      '  service: component:watched',
      '  schedule: "0 3 * * *"',
      '  action: { heartbeat: { grace: 2m } }',
    ]),
    '',
  ].join('\n'),
});
after(() => catalog.cleanup());

describe('pages vary with SLOs, checks and jobs only where they show them', () => {
  const fixture = useTestServer('sqlite', { catalog: catalog.dir, now: () => new Date(nowMs) });
  const open = async (path: string) => assert.equal((await fixture.server.app.request(path)).status, 200, path);
  const rendersOf = async (path: string, move: () => unknown): Promise<number> => {
    await open(path);
    const before = fixture.server.portal.renders;
    await move();
    await open(path);
    return fixture.server.portal.renders - before;
  };
  const watched = '/catalog/default/component/watched/';
  const plain = '/catalog/default/component/plain/';

  test('a new minute renders the page of a service with checks and jobs afresh', async () => {
    await open(watched); // the first render reads which services have SLOs, checks and jobs
    // An SLO cycle alone does not: the Health card moves with what it shows (test/page-scopes.test.ts).
    assert.equal(await rendersOf(watched, () => (nowMs += 60_000)), 1, 'a minute later');
  });

  test('jobs move the pages showing them: their own runs, not every job’s', async () => {
    const { portal, jobs } = fixture.server;
    const job = '/catalog/default/job/watched-nightly/';
    const cron = { name: 'cron-host', scopes: ['jobs:write'] };
    const ping = (event: 'start' | 'success') => () =>
      jobs.ping('job:default/watched-nightly', event, undefined, cron, undefined);
    await open(watched);
    assert.equal(await rendersOf(watched, () => portal.jobsMoved()), 0, 'another job’s run');
    assert.equal(await rendersOf(job, () => portal.jobsMoved()), 0, 'the same, on the job’s page');
    assert.equal(await rendersOf(watched, ping('start')), 1, 'a ping of its own job');
    assert.equal(await rendersOf(job, ping('success')), 1, 'on the job’s page too');
  });

  test('checks move the pages showing them: their own statuses and failures, not every check’s', async () => {
    const { portal, checks } = fixture.server;
    const check = '/catalog/default/check/watched-health/';
    let runs = 0;
    const run =
      (passed: boolean, why = 'connect ECONNREFUSED') =>
      async () =>
        checks.recordAlone({
          runId: `run-${++runs}`,
          kind: 'check',
          subject: 'check:default/watched-health',
          dedupKey: `check:default/watched-health@local@${nowMs - (nowMs % 60_000)}`,
          location: 'local',
          runner: 'local-1',
          runnerLocation: 'local',
          attempt: 1,
          startedAt: nowMs,
          finishedAt: nowMs,
          outcome: passed
            ? { status: 'success', summary: 'status 200', detail: null }
            : { status: 'failure', summary: why, detail: null },
        });
    await open(watched);
    assert.equal(await rendersOf(watched, () => portal.checksMoved()), 0, 'another check’s status moved');
    assert.equal(await rendersOf(check, () => portal.checksMoved()), 0, 'the same, on the check’s page');
    assert.equal(await rendersOf(check, run(true)), 1, 'its first run: the location is no longer pending');
    assert.equal(await rendersOf(watched, run(true)), 0, 'a passing run changes nothing the Checks card shows');
    assert.equal(await rendersOf(check, run(true)), 0, 'nor its page, until its refresh');
    assert.equal(await rendersOf(watched, run(false)), 1, 'a failure does (the last failure, the location)');
    assert.equal(await rendersOf(check, run(false, 'timed out after 10 s')), 1, 'on its page too');
    // Passing runs and other replicas' show within a minute, each page at its own moment of it.
    let moved = 0;
    for (let second = 0; second < 60; second++) moved += await rendersOf(check, () => void (nowMs += 1000));
    assert.equal(moved, 1, 'once a minute');
  });

  test('they leave the page of a service without any in the cache', async () => {
    const { portal } = fixture.server;
    await open(plain);
    assert.equal(await rendersOf(plain, () => portal.slosMoved(2)), 0, 'SLO cycle');
    assert.equal(await rendersOf(plain, () => portal.checksMoved()), 0, 'check status');
    assert.equal(await rendersOf(plain, () => portal.jobsMoved()), 0, 'job run');
    assert.equal(await rendersOf(plain, () => (nowMs += 60_000)), 0, 'a minute later');
    // Its changes still move it (the timeline is on every service page): test/page-scopes.test.ts.
  });

  test('a team page moves with its post-mortems and the hour, not with cycles or the minute', async () => {
    const { portal } = fixture.server;
    const quiet = '/catalog/default/group/quiet/';
    await open(quiet);
    assert.equal(await rendersOf(quiet, () => portal.slosMoved(3)), 0, 'SLO cycle (it owns no SLO)');
    assert.equal(await rendersOf(quiet, () => (nowMs += 60_000)), 0, 'a minute later');
    assert.equal(await rendersOf(quiet, () => portal.postmortemsMoved()), 1, 'a post-mortem write');
    assert.equal(await rendersOf(quiet, () => (nowMs += 3_600_000)), 1, 'an hour later (items turn overdue)');
  });

  test('an entity path that does not decode is answered, never a crash', async () => {
    const res = await fixture.server.app.request('/catalog/default/component/%E0%A4%A/');
    assert.ok(res.status === 400 || res.status === 404, String(res.status));
  });
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AtriumServer } from '../src/server.ts';
import { component, group, tempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * A service page moves with its own scope only: its Health card with what its SLOs' cards
 * show (not with every evaluation cycle), its timeline with the changes recorded on the
 * entities of its scope (not with every change anywhere), here and on another replica.
 * At 50,000 entities, every cycle and every alert recorded used to send every service page
 * back to the renderer.
 */

const START = Date.parse('2026-06-01T10:00:00.000Z');
let nowMs = START;
const CI = { name: 'ci', scopes: ['changes:write'] };
const catalog = tempCatalog({
  'catalog-info.yaml': [
    component('watched', { owner: 'ops' }),
    '---',
    component('plain', { owner: 'ops', dependsOn: ['component:dep'] }),
    '---',
    component('dep', { owner: 'ops' }),
    '---',
    component('other', { owner: 'ops' }),
    '---',
    group('ops'),
    '---',
    'apiVersion: atrium.dev/v1',
    'kind: SLO',
    'metadata: { name: watched-availability }',
    'spec:',
    '  service: component:watched',
    '  objective: 99.9',
    '  window: 30d',
    '  indicator: { events: {} }',
    '',
  ].join('\n'),
});
after(() => catalog.cleanup());

const WATCHED = '/catalog/default/component/watched/';
const PLAIN = '/catalog/default/component/plain/';
const STALE_BADGE = 'badge-warn">stale</span>';
/** The 1h burn rate of the team page's budget-burn row (the cell after the bar). */
const burn1hCell = (html: string) =>
  /<span class="budget-text">[^<]*<\/span><\/span><\/td><td>([^<]*)<\/td>/.exec(html)?.[1];
/** The 1h burn rate a Health card shows. */
const burn1h = (html: string) => /<span class="burn">1h: ([^<]*)<\/span>/.exec(html)?.[1];

describeEachDatabase('pages move with their own scope', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: catalog.dir, now: () => new Date(nowMs) });
  let token = '';
  let other: AtriumServer;
  before(async () => {
    token = (await fixture.server.tokens.create('sli-pusher', ['slis:write'], null)).token;
    other = await fixture.replica();
  });
  const body = async (server: AtriumServer, path: string) => {
    const res = await server.app.request(path);
    assert.equal(res.status, 200, path);
    return res.text();
  };
  /** Pages `server` rendered to answer `path` after `move`, the page first being cached. */
  const rendersOf = async (server: AtriumServer, path: string, move: () => Promise<unknown>): Promise<number> => {
    await body(server, path);
    const before = server.portal.renders;
    await move();
    await body(server, path);
    return server.portal.renders - before;
  };
  /** `per` events a minute over the hour before now, `errors` of each failing. */
  const push = async (per: number, errors: number) => {
    const events = Array.from({ length: 60 }, (_, i) => ({
      at: new Date(nowMs - i * 60_000).toISOString(),
      good: per - errors,
      total: per,
    }));
    const res = await fixture.server.app.request('/api/v1/slos/default/watched-availability/events', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    assert.equal(res.status, 202);
  };
  /** The next cycle, evaluated here. */
  const cycle = async () => {
    nowMs += 30_000;
    assert.equal((await fixture.server.slos.evaluate()).claimed, true);
  };
  const change = (service: string) =>
    fixture.server.changes.recordChange(
      '/test',
      { service, kind: 'config', summary: `Changed ${service}`, at: new Date(nowMs).toISOString() },
      CI,
      undefined,
    );

  test('a cycle that changes nothing the Health card shows leaves the page cached; one that does renders it', async () => {
    const { server } = fixture;
    await push(1000, 0);
    await cycle();
    assert.match(await body(server, WATCHED), /within objective/);
    assert.equal(burn1h(await body(server, WATCHED)), '0×');
    assert.equal(await rendersOf(server, WATCHED, cycle), 0, 'the same numbers, a cycle later');
    assert.equal(await rendersOf(server, WATCHED, cycle), 0, 'and another');
    // 0.05 % errors over the last hour: a burn of 0.5 over 1h, no alert (nothing on the timeline).
    assert.equal(
      await rendersOf(server, WATCHED, async () => {
        await push(2000, 1);
        await cycle();
      }),
      1,
      'a burn the card shows',
    );
    assert.match(burn1h(await body(server, WATCHED)) ?? '', /^0\.[1-9]\d*×$/);
  });

  test('a card whose evaluation stopped turns stale on its page, and current again with the next cycle', async () => {
    const { server } = fixture;
    await cycle();
    assert.equal(await rendersOf(server, WATCHED, async () => void (nowMs += 4 * 60_000)), 0, 'within five minutes');
    assert.ok(!(await body(server, WATCHED)).includes(STALE_BADGE));
    assert.equal(await rendersOf(server, WATCHED, async () => void (nowMs += 60_001)), 1, 'five minutes on');
    assert.ok((await body(server, WATCHED)).includes(STALE_BADGE), 'never a stale green');
    // The current page of before answers again: it shows what a render would.
    await cycle();
    assert.ok(!(await body(server, WATCHED)).includes(STALE_BADGE), 'evaluated again');
  });

  test("another replica's page follows the cards the evaluation changed there, and only those", async () => {
    await cycle();
    await other.slos.pollEvaluated();
    const before = burn1h(await body(other, WATCHED));
    const pollAfter = (evaluate: () => Promise<unknown>) => async () => {
      await evaluate();
      await other.slos.pollEvaluated();
    };
    assert.equal(await rendersOf(other, WATCHED, pollAfter(cycle)), 0, 'nothing shown changed');
    assert.equal(
      await rendersOf(
        other,
        WATCHED,
        pollAfter(async () => {
          await push(1000, 1);
          await cycle();
        }),
      ),
      1,
      'a burn the card shows',
    );
    assert.notEqual(burn1h(await body(other, WATCHED)), before);
  });

  test("a team's budget-burn card moves with what it shows of the team's SLOs, not with every cycle", async () => {
    const { server } = fixture;
    const TEAM = '/catalog/default/group/ops/';
    await cycle();
    assert.equal(await rendersOf(server, TEAM, cycle), 0, 'the same numbers, a cycle later');
    await cycle();
    const before = burn1hCell(await body(server, TEAM));
    assert.ok(before, 'the row shows a 1h burn');
    assert.equal(
      await rendersOf(server, TEAM, async () => {
        await push(1000, 3);
        await cycle();
      }),
      1,
      'a burn the card shows',
    );
    assert.notEqual(burn1hCell(await body(server, TEAM)), before);
  });

  test('a change moves the pages whose timeline holds it (the service, what depends on it), not the others', async () => {
    const { server } = fixture;
    assert.equal(await rendersOf(server, PLAIN, () => change('other')), 0, 'another service');
    assert.equal(await rendersOf(server, PLAIN, () => change('plain')), 1, 'its own');
    assert.match(await body(server, PLAIN), /Changed plain/);
    assert.equal(await rendersOf(server, PLAIN, () => change('dep')), 1, 'what it depends on');
    assert.match(await body(server, PLAIN), /Changed dep/);
  });

  test("another replica's change moves this replica's pages of its scope once polled, and only those", async () => {
    await other.changes.pollWrites();
    const pollAfter = (service: string) => async () => {
      await change(service);
      await other.changes.pollWrites();
    };
    assert.equal(await rendersOf(other, PLAIN, pollAfter('other')), 0, 'another service');
    assert.equal(await rendersOf(other, PLAIN, pollAfter('plain')), 1, 'its own');
    assert.equal((await body(other, PLAIN)).match(/Changed plain/g)?.length, 2);
  });
});

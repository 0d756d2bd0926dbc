import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OnCallPerson } from './model.ts';
import {
  type PagerDutyOnCall,
  pagerDutyLevels,
  pagerDutyOnCallsQuery,
  parsePagerDutyOnCalls,
  parsePagerDutyServicePolicy,
} from './pagerduty-oncalls.ts';

function oncall(over: Partial<PagerDutyOnCall> & { level?: number; email?: string; userId?: string }): PagerDutyOnCall {
  const { level = 1, email, userId = 'PU1', ...rest } = over;
  return {
    user: { id: userId, summary: `User ${userId}`, name: `Name ${userId}`, ...(email ? { email } : {}) },
    schedule: { id: 'PS1', summary: 'Checkout primary', html_url: 'https://acme.pagerduty.com/schedules/PS1' },
    escalation_policy: { id: 'PE1', summary: 'Checkout' },
    escalation_level: level,
    start: '2026-12-07T09:00:00Z',
    end: '2026-12-14T09:00:00Z',
    ...rest,
  };
}

const ana: OnCallPerson = { ref: 'user:default/ana', name: 'Ana', email: 'ana@acme.test' };
const known = (email: string) => (email === 'ana@acme.test' ? ana : undefined);

describe('pagerDutyOnCallsQuery', () => {
  test('asks for one schedule or policy, earliest on-calls, users included, in UTC, a page at an offset', () => {
    const q = new URLSearchParams(pagerDutyOnCallsQuery('schedule', 'PS1', 200));
    assert.deepEqual(q.getAll('schedule_ids[]'), ['PS1']);
    assert.deepEqual(q.getAll('escalation_policy_ids[]'), []);
    assert.deepEqual(q.getAll('include[]'), ['users']);
    assert.equal(q.get('earliest'), 'true');
    assert.equal(q.get('time_zone'), 'UTC');
    assert.equal(q.get('offset'), '200');
    assert.equal(q.get('limit'), '100');
    const p = new URLSearchParams(pagerDutyOnCallsQuery('escalation-policy', 'PE1', 0));
    assert.deepEqual(p.getAll('escalation_policy_ids[]'), ['PE1']);
    assert.deepEqual(p.getAll('schedule_ids[]'), []);
  });
});

describe('parsePagerDutyOnCalls', () => {
  test('reads the documented page: oncalls and more', () => {
    const page = parsePagerDutyOnCalls(JSON.stringify({ oncalls: [oncall({})], limit: 100, offset: 0, more: true }));
    assert.equal(page.ok, true);
    assert.equal(page.ok && page.oncalls.length, 1);
    assert.equal(page.ok && page.more, true);
    const last = parsePagerDutyOnCalls(JSON.stringify({ oncalls: [], limit: 100, offset: 100 }));
    assert.equal(last.ok && last.more, false, 'no `more` is the last page');
  });

  test('refuses what is not JSON, or not an /oncalls answer, saying where', () => {
    assert.deepEqual(parsePagerDutyOnCalls('{"oncalls": ['), { ok: false, error: 'the answer is not JSON' });
    const wrong = parsePagerDutyOnCalls(JSON.stringify({ oncalls: [{ user: {} }] }));
    assert.equal(wrong.ok, false);
    assert.match(wrong.ok ? '' : wrong.error, /oncalls\.0\.user\.id/);
    assert.equal(parsePagerDutyOnCalls('[]').ok, false);
    assert.equal(parsePagerDutyOnCalls(JSON.stringify({ oncalls: [oncall({ level: 0 })] })).ok, false);
  });

  test("a service's escalation policy, or why not", () => {
    assert.deepEqual(
      parsePagerDutyServicePolicy(JSON.stringify({ service: { id: 'PSV', escalation_policy: { id: 'PE9' } } })),
      { ok: true, id: 'PE9' },
    );
    assert.equal(parsePagerDutyServicePolicy(JSON.stringify({ service: { id: 'PSV' } })).ok, false);
    assert.equal(parsePagerDutyServicePolicy('<html>').ok, false);
  });
});

describe('pagerDutyLevels', () => {
  test('levels in order, people matched by email (any case), else shown by their PagerDuty name', () => {
    const levels = pagerDutyLevels(
      [
        oncall({ level: 2, userId: 'PU2', schedule: { id: 'PS2', summary: 'Checkout secondary' } }),
        oncall({ level: 1, email: 'Ana@Acme.test' }),
      ],
      known,
    );
    assert.deepEqual(levels, [
      {
        level: 1,
        rotation: { title: 'Checkout primary', url: 'https://acme.pagerduty.com/schedules/PS1' },
        person: ana,
        until: '2026-12-14T09:00:00.000Z',
      },
      {
        level: 2,
        rotation: { title: 'Checkout secondary' },
        person: { name: 'Name PU2' },
        until: '2026-12-14T09:00:00.000Z',
      },
    ]);
  });

  test('a user targeted directly by the policy (no schedule) is under the policy, with no end when none is given', () => {
    const [level] = pagerDutyLevels([oncall({ level: 3, schedule: null, end: null })], known);
    assert.deepEqual(level, { level: 3, rotation: { title: 'Checkout' }, person: { name: 'Name PU1' } });
  });

  test('the same person on the same level and schedule (two policies share it) is listed once', () => {
    const levels = pagerDutyLevels(
      [oncall({}), oncall({ escalation_policy: { id: 'PE2', summary: 'Other' } }), oncall({ level: 2 })],
      known,
    );
    assert.deepEqual(
      levels.map((l) => l.level),
      [1, 2],
    );
  });

  test('hostile fields: no non-https link, no mailto for what is not an address, a summary when the name is missing', () => {
    const [level] = pagerDutyLevels(
      [
        oncall({
          user: { id: 'PU9', summary: 'Summary only', email: 'javascript:alert(1)' },
          schedule: { id: 'PS9', summary: 'S', html_url: 'javascript:alert(1)' },
          end: 'not a time',
        }),
      ],
      known,
    );
    assert.deepEqual(level, { level: 1, rotation: { title: 'S' }, person: { name: 'Summary only' } });
  });
});

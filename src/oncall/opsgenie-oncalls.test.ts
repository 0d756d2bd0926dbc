import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OnCallPerson } from './model.ts';
import { opsgenieLevels, opsgenieOnCallsPath, opsgenieUsers, parseOpsgenieOnCalls } from './opsgenie-oncalls.ts';

const ana: OnCallPerson = { ref: 'user:default/ana', name: 'Ana', email: 'ana@acme.test' };
const known = (email: string) => (email === 'ana@acme.test' ? ana : undefined);

function answer(participants: unknown[]): string {
  return JSON.stringify({
    data: { _parent: { id: 'd875', name: 'checkout_schedule', enabled: true }, onCallParticipants: participants },
    took: 0.1,
    requestId: 'r-1',
  });
}

describe('opsgenieOnCallsPath', () => {
  test('by id or by name, escalations kept apart; a name is one path segment whatever it holds', () => {
    assert.equal(
      opsgenieOnCallsPath('id', 'd875-4a1b'),
      '/v2/schedules/d875-4a1b/on-calls?scheduleIdentifierType=id&flat=false',
    );
    assert.equal(
      opsgenieOnCallsPath('name', 'ops team/../x?y'),
      '/v2/schedules/ops%20team%2F..%2Fx%3Fy/on-calls?scheduleIdentifierType=name&flat=false',
    );
  });
});

describe('parseOpsgenieOnCalls', () => {
  test('reads the documented answer', () => {
    const parsed = parseOpsgenieOnCalls(answer([{ id: 'u1', name: 'ana@acme.test', type: 'user' }]));
    assert.deepEqual(parsed, {
      ok: true,
      value: { schedule: 'checkout_schedule', participants: [{ id: 'u1', name: 'ana@acme.test', type: 'user' }] },
    });
  });

  test('refuses what is not JSON, not the shape, or nested without end', () => {
    assert.equal(parseOpsgenieOnCalls('nope').ok, false);
    const wrong = parseOpsgenieOnCalls(JSON.stringify({ data: { onCallParticipants: [] } }));
    assert.match(wrong.ok ? '' : wrong.error, /data\._parent/);
    // Written as text: JSON.stringify itself cannot nest this deep.
    const depth = 50_000;
    const deep = `${'{"name":"e","type":"escalation","onCallParticipants":['.repeat(depth)}{"name":"x","type":"user"}${']}'.repeat(depth)}`;
    const hostile = parseOpsgenieOnCalls(
      answer([]).replace('"onCallParticipants":[]', `"onCallParticipants":[${deep}]`),
    );
    assert.equal(hostile.ok, false);
  });
});

describe('opsgenieLevels', () => {
  test('users on level 1, matched by username as email, else by username; escalations and teams say they are', () => {
    const parsed = parseOpsgenieOnCalls(
      answer([
        { id: 'u1', name: 'Ana@acme.test', type: 'user' },
        { id: 'u2', name: 'bob', type: 'user' },
        {
          id: 'e1',
          name: 'checkout_escalation',
          type: 'escalation',
          onCallParticipants: [{ id: 'u3', name: 'cy@acme.test', type: 'user' }],
        },
        { id: 'u1', name: 'Ana@acme.test', type: 'user' },
      ]),
    );
    assert.ok(parsed.ok);
    assert.deepEqual(opsgenieLevels(parsed.value, known), [
      { level: 1, rotation: { title: 'checkout_schedule' }, person: ana },
      { level: 1, rotation: { title: 'checkout_schedule' }, person: { name: 'bob' } },
      {
        level: 1,
        rotation: { title: 'checkout_schedule · escalation checkout_escalation' },
        person: { name: 'cy@acme.test', email: 'cy@acme.test' },
      },
    ]);
  });

  test('users nested deeper than an escalation’s team are not followed', () => {
    let nested: { name: string; type: string; onCallParticipants?: unknown[] } = {
      name: 'deep@acme.test',
      type: 'user',
    };
    for (let i = 0; i < 3; i++) nested = { name: `t${i}`, type: 'team', onCallParticipants: [nested] };
    const parsed = parseOpsgenieOnCalls(answer([nested]));
    assert.ok(parsed.ok);
    assert.deepEqual(opsgenieUsers(parsed.value), []);
  });
});

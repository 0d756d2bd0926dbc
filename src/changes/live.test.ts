import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveEnvironments, slotsOf } from './live.ts';
import type { ChangeEvent } from './model.ts';

let nextId = 1;
function deploy(environment: string, version: string, at: string, over: Partial<ChangeEvent> = {}): ChangeEvent {
  return {
    id: nextId++,
    type: 'deployment',
    service: 'component:default/x',
    at,
    summary: '',
    environment,
    version,
    status: 'succeeded',
    strategy: null,
    slot: null,
    kind: null,
    startedAt: at,
    url: null,
    actor: null,
    commits: [],
    recordedBy: 't',
    recordedAt: at,
    ...over,
  };
}
const bg = (
  environment: string,
  version: string,
  slot: 'blue' | 'green',
  at: string,
  status: ChangeEvent['status'] = 'succeeded',
) => deploy(environment, version, at, { strategy: 'blue-green', slot, status });
const swap = (environment: string, slot: 'blue' | 'green', at: string): ChangeEvent => ({
  ...deploy(environment, '', at),
  type: 'traffic-switch',
  status: null,
  slot,
  strategy: 'blue-green',
  version: null,
});

describe('liveEnvironments', () => {
  it('without blue/green, the latest successful deployment is live; later failures and rollbacks are reported, not live', () => {
    const [prod] = liveEnvironments([
      deploy('production', '1.0', 'T1'),
      deploy('production', '1.1', 'T2'),
      deploy('production', '1.2', 'T3', { status: 'failed' }),
      deploy('production', '1.2', 'T4', { status: 'rolled_back' }),
    ]);
    assert.deepEqual(prod, {
      environment: 'production',
      version: '1.1',
      since: 'T2',
      strategy: null,
      liveSlot: null,
      idleSlot: null,
      idleVersion: null,
      lastFailure: { version: '1.2', status: 'rolled_back', at: 'T4' },
      unslotted: null,
    });
  });

  it('a success after a failure clears the failure; nothing succeeded means no live version', () => {
    assert.equal(
      liveEnvironments([deploy('staging', '2', 'T1', { status: 'failed' }), deploy('staging', '2', 'T2')])[0]
        ?.lastFailure,
      null,
    );
    const [only] = liveEnvironments([deploy('staging', '3', 'T1', { status: 'failed' })]);
    assert.equal(only?.version, null);
    assert.equal(only?.since, null);
  });

  it('blue/green: the latest switch says which slot is live, since the switch; the idle slot keeps its version', () => {
    const [prod] = liveEnvironments([
      bg('production', '1.0', 'blue', 'T1'),
      bg('production', '1.1', 'green', 'T2'),
      swap('production', 'green', 'T3'),
      bg('production', '1.2', 'blue', 'T4'),
    ]);
    assert.deepEqual(
      {
        version: prod?.version,
        since: prod?.since,
        live: prod?.liveSlot,
        idle: prod?.idleSlot,
        idleVersion: prod?.idleVersion,
      },
      { version: '1.1', since: 'T3', live: 'green', idle: 'blue', idleVersion: '1.2' },
    );
  });

  it('blue/green without any switch: the latest deployment’s slot is live (a pipeline that deploys and switches at once)', () => {
    const [prod] = liveEnvironments([bg('production', '1.0', 'blue', 'T1'), bg('production', '1.1', 'green', 'T2')]);
    assert.equal(prod?.liveSlot, 'green');
    assert.equal(prod?.version, '1.1');
  });

  it('redeploying the live slot moves "since" to that deployment; a failed deployment to the idle slot changes nothing but the failure', () => {
    const [prod] = liveEnvironments([
      bg('production', '1.0', 'blue', 'T1'),
      swap('production', 'blue', 'T2'),
      bg('production', '1.0.1', 'blue', 'T3'),
      bg('production', '2.0', 'green', 'T4', 'failed'),
    ]);
    assert.deepEqual(
      [prod?.version, prod?.since, prod?.idleVersion, prod?.lastFailure?.version],
      ['1.0.1', 'T3', null, '2.0'],
    );
  });

  it('orders environments production first, then staging-like, then the rest by name, and ignores other changes', () => {
    const events = [
      deploy('dev', 'a', 'T1'),
      deploy('uat', 'b', 'T1'),
      deploy('production', 'c', 'T1'),
      deploy('qa', 'd', 'T1'),
      { ...deploy('production', 'x', 'T9'), type: 'change' as const, status: null },
    ];
    assert.deepEqual(
      liveEnvironments(events).map((e) => e.environment),
      ['production', 'uat', 'dev', 'qa'],
    );
    assert.equal(liveEnvironments(events)[0]?.version, 'c');
  });

  it('takes events in any order; equal times go to the later-recorded event', () => {
    const first = deploy('production', 'old', 'T1');
    const second = deploy('production', 'new', 'T1');
    assert.equal(liveEnvironments([second, first])[0]?.version, 'new');
  });
});

describe('slotsOf (what a new switch is checked against)', () => {
  it('before any switch, where switches are recorded, the first deployed slot is live', () => {
    const slots = slotsOf(
      [
        bg('production', '1.0', 'blue', 'T1'),
        bg('production', '1.1', 'green', 'T2'),
        bg('staging', '9', 'green', 'T2'),
      ],
      'production',
    );
    assert.equal(slots.live, 'blue');
    assert.deepEqual([...slots.versions].sort(), [
      ['blue', '1.0'],
      ['green', '1.1'],
    ]);
  });

  it('an environment with nothing deployed has no slots', () => {
    assert.deepEqual(slotsOf([], 'production'), { live: null, versions: new Map() });
  });
});

describe('a deployment without a slot to a blue/green environment', () => {
  it('is shown as such: which slot is live is unknown, not the old version as if nothing happened', () => {
    const [env] = liveEnvironments([
      bg('production', '1.3', 'blue', '2026-03-01T10:00:00Z'),
      bg('production', '1.2', 'green', '2026-02-20T10:00:00Z'),
      swap('production', 'blue', '2026-03-01T10:05:00Z'),
      deploy('production', '1.4', '2026-03-02T02:10:00Z'),
    ]);
    assert.deepEqual(env?.unslotted, { version: '1.4', at: '2026-03-02T02:10:00Z' });
    // The slots stay as recorded: what was known before it.
    assert.equal(env?.liveSlot, 'blue');
  });

  it('a later switch or slotted deployment settles it again', () => {
    const settled = liveEnvironments([
      bg('production', '1.3', 'blue', '2026-03-01T10:00:00Z'),
      deploy('production', '1.4', '2026-03-02T02:10:00Z'),
      bg('production', '1.5', 'green', '2026-03-02T03:00:00Z'),
      swap('production', 'green', '2026-03-02T03:05:00Z'),
    ])[0];
    assert.equal(settled?.unslotted, null);
    assert.equal(settled?.version, '1.5');
    const switched = liveEnvironments([
      bg('production', '1.3', 'blue', '2026-03-01T10:00:00Z'),
      deploy('production', '1.4', '2026-03-02T02:10:00Z'),
      swap('production', 'green', '2026-03-02T02:20:00Z'),
    ])[0];
    assert.equal(switched?.unslotted, null);
  });

  it('a failed one changes nothing, and an environment never blue/green has nothing to say', () => {
    const failed = liveEnvironments([
      bg('production', '1.3', 'blue', '2026-03-01T10:00:00Z'),
      deploy('production', '1.4', '2026-03-02T02:10:00Z', { status: 'failed' }),
    ])[0];
    assert.equal(failed?.unslotted, null);
    assert.equal(liveEnvironments([deploy('staging', '1.4', '2026-03-02T02:10:00Z')])[0]?.unslotted, null);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FeedEvent, FeedOrigin } from '../changes/feed-scope.ts';
import { entityPathOf, rankSuspects } from './suspects.ts';

const START = '2026-12-07T12:00:00.000Z';
const before = (minutes: number) => new Date(Date.parse(START) - minutes * 60_000).toISOString();
const SELF: FeedOrigin = { relation: 'self', ref: 'component:default/checkout', depth: 0 };
const DEP: FeedOrigin = { relation: 'dependency', ref: 'component:default/payments', depth: 1 };
const DEP2: FeedOrigin = { relation: 'dependency', ref: 'resource:default/payments-db', depth: 2 };
const FLAG_OF_DEP: FeedOrigin = {
  relation: 'flag',
  ref: 'flag:default/new-card-flow',
  depth: 1,
  through: 'component:default/payments',
};
const FLAG_OF_SELF: FeedOrigin = {
  relation: 'flag',
  ref: 'flag:default/fast-cart',
  depth: 0,
  through: 'component:default/checkout',
};

let seq = 0;
function event(name: string, minutesBefore: number, origin: FeedOrigin, over: Partial<FeedEvent> = {}): FeedEvent {
  return {
    id: ++seq,
    type: 'deployment',
    service: origin.ref,
    at: before(minutesBefore),
    summary: name,
    environment: 'production',
    version: '1.0.0',
    status: 'succeeded',
    strategy: null,
    slot: null,
    kind: null,
    startedAt: null,
    url: null,
    actor: null,
    commits: null,
    recordedBy: 'ci',
    recordedAt: before(minutesBefore),
    origin,
    ...over,
  };
}
const flag = (name: string, minutesBefore: number, origin: FeedOrigin) =>
  event(name, minutesBefore, origin, { type: 'change', kind: 'feature-flag', status: null, version: null });
const change = (name: string, minutesBefore: number, origin: FeedOrigin, kind: FeedEvent['kind']) =>
  event(name, minutesBefore, origin, { type: 'change', kind, status: null, version: null });

const rank = (events: FeedEvent[], windowHours = 6) =>
  rankSuspects(events, { startedAt: START, windowHours, productionEnvironments: ['production'] });
const names = (events: FeedEvent[], windowHours = 6) => rank(events, windowHours).map((s) => s.summary);

describe('suspected changes', () => {
  it('history 1 — the demo: a flag flipped on a dependency 20 min before outranks the service’s own deploy 3 h before', () => {
    assert.deepEqual(
      names([
        event('checkout 2.0.0', 180, SELF),
        flag('new-card-flow on', 20, FLAG_OF_DEP),
        event('payments 5.1.0', 300, DEP),
        change('alert: availability burning', 5, SELF, 'alert'),
      ]),
      ['new-card-flow on', 'checkout 2.0.0', 'payments 5.1.0'],
      'alerts are symptoms, not suspects',
    );
  });

  it('history 2 — a rolled-back deployment of the service beats a newer successful deploy of a dependency', () => {
    assert.deepEqual(
      names([
        event('payments 5.2.0', 10, DEP),
        event('checkout 2.1.0 rolled back', 40, SELF, { status: 'rolled_back' }),
        event('checkout 2.0.9', 50, SELF),
      ]),
      ['checkout 2.1.0 rolled back', 'checkout 2.0.9', 'payments 5.2.0'],
    );
  });

  it('history 3 — recency decides between like changes; the same change on a dependency two hops away weighs less', () => {
    assert.deepEqual(
      names([
        event('checkout old', 300, SELF),
        event('checkout new', 30, SELF),
        event('db migration', 30, DEP2, { type: 'change', kind: 'migration', status: null }),
        event('checkout mid', 120, SELF),
      ]),
      ['checkout new', 'checkout mid', 'checkout old', 'db migration'],
    );
  });

  it('history 4 — changes after the start, before the window, outside production and kinds that cause nothing rank accordingly', () => {
    const ranked = rank([
      event('after the start', -5, SELF),
      event('before the window', 7 * 60, SELF),
      event('staging deploy', 5, SELF, { environment: 'staging' }),
      event('production deploy', 60, SELF),
      change('incident declared', 1, SELF, 'incident'),
      change('scaled up', 10, SELF, 'scaling'),
    ]);
    assert.deepEqual(
      ranked.map((s) => s.summary),
      ['production deploy', 'scaled up', 'staging deploy'],
    );
    assert.ok(ranked[2]?.reasons.includes('in staging, not production'));
  });

  it('a flag of the affected service itself ranks above the same switch on a dependency’s flag', () => {
    assert.deepEqual(names([flag('dep flag', 15, FLAG_OF_DEP), flag('own flag', 15, FLAG_OF_SELF)]), [
      'own flag',
      'dep flag',
    ]);
  });

  it('scores, reasons and links are what the page shows', () => {
    const [first, second, third] = rank([
      flag('new-card-flow on', 20, FLAG_OF_DEP),
      event('checkout 2.0.0', 180, SELF, { url: 'https://ci.example.com/runs/9' }),
      event('checkout 1.9.0', 240, SELF, { url: 'javascript:alert(1)' }),
    ]);
    assert.equal(first?.score, Math.round(0.6 * 0.9 * (1 - (0.75 * 20) / 360) * 1000) / 1000);
    assert.deepEqual(first?.reasons, [
      '20 min before the start',
      'a flag of a dependency 1 hop away (component:default/payments)',
      'a flag switch on the affected path',
    ]);
    assert.deepEqual(first?.link, {
      kind: 'flag-switch',
      href: 'catalog/default/flag/new-card-flow/switch/?environment=production&action=off',
      label: 'Turn the flag off',
    });
    assert.deepEqual(second?.link, {
      kind: 'deployment',
      href: 'https://ci.example.com/runs/9',
      label: 'Open the deployment',
    });
    assert.equal(second?.reasons[0], '3 h before the start');
    assert.equal(third?.link.kind, 'timeline', 'a URL that is not http(s) is never a link target');
    assert.equal(third?.link.href, 'catalog/default/component/checkout/changes/?type=deployment');
  });

  it('keeps the best ten; ties go to the newer change', () => {
    const many = Array.from({ length: 15 }, (_, i) => event(`d${i}`, 30 + i, SELF));
    assert.equal(rank(many).length, 10);
    const tied = [event('older', 30, SELF), event('newer', 30, SELF)];
    assert.deepEqual(names(tied), ['newer', 'older']);
    assert.deepEqual(rank([]), []);
  });

  it('entity paths are lowercased and encoded', () => {
    assert.equal(entityPathOf('Flag:Default/Odd Name'), 'catalog/default/flag/odd%20name/');
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { vendorTargetKey, vendorTargetOf } from './vendor-target.ts';

describe('vendorTargetOf', () => {
  test('a PagerDuty schedule wins over a service, PagerDuty over Opsgenie, an Opsgenie id over a name', () => {
    assert.deepEqual(
      vendorTargetOf({
        'pagerduty.com/service-id': 'PSV1',
        'pagerduty.com/schedule-id': 'PS1',
        'opsgenie.com/schedule-id': 'x',
      }),
      { source: 'pagerduty', by: 'schedule', id: 'PS1' },
    );
    assert.deepEqual(vendorTargetOf({ 'pagerduty.com/service-id': ' PSV1 ' }), {
      source: 'pagerduty',
      by: 'service',
      id: 'PSV1',
    });
    assert.deepEqual(
      vendorTargetOf({ 'opsgenie.com/schedule-name': 'Checkout', 'opsgenie.com/schedule-id': 'd875-1' }),
      {
        source: 'opsgenie',
        by: 'id',
        id: 'd875-1',
      },
    );
    assert.deepEqual(vendorTargetOf({ 'opsgenie.com/schedule-name': 'Checkout schedule' }), {
      source: 'opsgenie',
      by: 'name',
      id: 'Checkout schedule',
    });
  });

  test('none, or only malformed values (they never reach a URL), is no target', () => {
    assert.equal(vendorTargetOf(undefined), undefined);
    assert.equal(vendorTargetOf({}), undefined);
    assert.equal(vendorTargetOf({ 'pagerduty.com/integration-key': 'abc' }), undefined);
    assert.equal(vendorTargetOf({ 'pagerduty.com/schedule-id': '../users' }), undefined);
    assert.equal(vendorTargetOf({ 'pagerduty.com/service-id': '' }), undefined);
    assert.equal(vendorTargetOf({ 'opsgenie.com/schedule-id': 'a/b' }), undefined);
    assert.equal(vendorTargetOf({ 'opsgenie.com/schedule-name': 'x\ny' }), undefined);
    assert.equal(vendorTargetOf({ 'opsgenie.com/schedule-name': 'x'.repeat(101) }), undefined);
  });

  test('one key per schedule, distinct across APIs and kinds', () => {
    const keys = new Set(
      [
        { source: 'pagerduty', by: 'schedule', id: 'A' },
        { source: 'pagerduty', by: 'service', id: 'A' },
        { source: 'opsgenie', by: 'id', id: 'A' },
        { source: 'opsgenie', by: 'name', id: 'A' },
      ].map((t) => vendorTargetKey(t as Parameters<typeof vendorTargetKey>[0])),
    );
    assert.equal(keys.size, 4);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SYSTEM_RECORDERS } from '../auth/token.ts';
import { CHANGE_KINDS } from '../changes/model.ts';
import { ChangeInputSchema } from '../changes/schema.ts';
import { idempotencyKeyOf } from '../changes/service.ts';
import { alertChangeInput, alertChangeKey, SLO_ALERT_RECORDER } from './alert-change.ts';
import type { AlertEvent } from './model.ts';

const FIRING: AlertEvent = {
  slo: 'slo:default/checkout-availability',
  severity: 'page',
  state: 'firing',
  at: '2026-03-02T01:50:00.000Z',
  factor: '14.4',
  long: '1h',
  short: '5m',
};
const SLO = { service: 'component:default/checkout', name: 'checkout-availability' };

describe('alertChangeInput', () => {
  test('a firing alert is an `alert` change on its service, at its time, in words', () => {
    assert.deepEqual(alertChangeInput(FIRING, SLO), {
      service: 'component:default/checkout',
      kind: 'alert',
      summary: 'Page alert firing: checkout-availability burns its error budget above 14.4× over 1h and 5m',
      at: '2026-03-02T01:50:00.000Z',
      actor: 'SLO alerting',
    });
  });
  test('resolving, a ticket, a title and a link', () => {
    const input = alertChangeInput(
      { ...FIRING, severity: 'ticket', state: 'resolved', factor: '0.9333', long: '3d', short: '6h' },
      { ...SLO, title: 'Checkout availability' },
      'https://portal.example/catalog/default/slo/checkout-availability/',
    );
    assert.equal(
      input.summary,
      'Ticket alert resolved: Checkout availability burns its error budget under 0.9333× over 3d or 6h again',
    );
    assert.equal(input.url, 'https://portal.example/catalog/default/slo/checkout-availability/');
  });
  test('what it makes passes the change API’s own schema (kind, summary, time)', () => {
    const parsed = ChangeInputSchema.safeParse(alertChangeInput(FIRING, SLO));
    assert.equal(parsed.success, true, JSON.stringify(parsed.error?.issues));
    assert.ok(CHANGE_KINDS.includes('alert'));
  });
  test('recorded as Atrium itself, which every reader sees by name', () => {
    assert.ok(SYSTEM_RECORDERS.includes(SLO_ALERT_RECORDER.name));
  });
});

describe('alertChangeKey', () => {
  test('one per SLO, severity, state and time: a retried cycle records a transition once', () => {
    assert.equal(
      alertChangeKey(FIRING),
      'slo-alert:slo:default/checkout-availability:page:firing:2026-03-02T01:50:00.000Z',
    );
    const keys = new Set([
      alertChangeKey(FIRING),
      alertChangeKey({ ...FIRING }),
      alertChangeKey({ ...FIRING, state: 'resolved' }),
      alertChangeKey({ ...FIRING, severity: 'ticket' }),
      alertChangeKey({ ...FIRING, at: '2026-03-02T01:50:30.000Z' }),
    ]);
    assert.equal(keys.size, 4);
  });
  test('keys are what the change API accepts: printable ASCII up to 255, even for the longest entity names', () => {
    const key = alertChangeKey({ ...FIRING, slo: `slo:${'n'.repeat(63)}/${'x'.repeat(63)}` });
    assert.equal(idempotencyKeyOf(key), key);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AtriumError } from '../platform/errors.ts';
import { MAX_LEAD_MS, MAX_WINDOW_MS, maintenanceWindowOf } from './maintenance-window.ts';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const codeOf = (input: { start: string; end: string; reason?: string }) => {
  try {
    maintenanceWindowOf(input, NOW);
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof AtriumError);
    assert.equal(err.status, 422);
    return err.code;
  }
};
const iso = (ms: number) => new Date(ms).toISOString();

describe('maintenanceWindowOf', () => {
  it('reads zoned times, keeps a trimmed reason and drops an empty one', () => {
    assert.deepEqual(
      maintenanceWindowOf({ start: '2026-03-10T13:00:00+01:00', end: '2026-03-10T13:30Z', reason: ' upgrade ' }, NOW),
      { start: NOW, end: NOW + 90 * 60_000, reason: 'upgrade' },
    );
    assert.deepEqual(maintenanceWindowOf({ start: iso(NOW - 1000), end: iso(NOW + 1), reason: '  ' }, NOW), {
      start: NOW - 1000,
      end: NOW + 1,
    });
  });

  it('refuses times without a zone, impossible dates and other text', () => {
    for (const start of [
      '2026-03-10T12:00:00',
      '2026-03-10',
      '2026-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-03-10T24:30:00Z',
      '1773144000000',
      '',
      'now',
    ])
      assert.equal(codeOf({ start, end: iso(NOW + 60_000) }), 'invalid-time', start);
    assert.equal(codeOf({ start: '2028-02-29T00:00:00Z', end: '2028-02-29T01:00:00Z' }), 'window-too-far-ahead');
  });

  it('refuses an end not after the start, a past window, a long one and one far ahead', () => {
    assert.equal(codeOf({ start: iso(NOW + 2), end: iso(NOW + 1) }), 'end-not-after-start');
    assert.equal(codeOf({ start: iso(NOW + 1), end: iso(NOW + 1) }), 'end-not-after-start');
    assert.equal(codeOf({ start: iso(NOW - 2), end: iso(NOW) }), 'window-in-the-past');
    assert.equal(codeOf({ start: iso(NOW), end: iso(NOW + MAX_WINDOW_MS) }), 'ok');
    assert.equal(codeOf({ start: iso(NOW), end: iso(NOW + MAX_WINDOW_MS + 1) }), 'window-too-long');
    assert.equal(codeOf({ start: iso(NOW + MAX_LEAD_MS), end: iso(NOW + MAX_LEAD_MS + 1) }), 'ok');
    assert.equal(
      codeOf({ start: iso(NOW + MAX_LEAD_MS + 1), end: iso(NOW + MAX_LEAD_MS + 2) }),
      'window-too-far-ahead',
    );
    assert.equal(codeOf({ start: '0001-01-01T00:00:00Z', end: '9999-12-31T23:59:59Z' }), 'window-too-long');
  });
});

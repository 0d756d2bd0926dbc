import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FORM_REASON, overrideFromForm } from './override-form.ts';

const read = (fields: Record<string, string>) => overrideFromForm((name) => fields[name]);

test('datetime-local readings are read in the zone given, daylight saving included', () => {
  assert.deepEqual(
    read({ user: ' ana ', from: '2026-07-01T09:00', until: '2026-07-02T09:00', zone: 'Europe/Berlin', reason: 'Swap' }),
    { input: { user: 'ana', from: '2026-07-01T07:00:00.000Z', until: '2026-07-02T07:00:00.000Z', reason: 'Swap' } },
  );
  assert.deepEqual(read({ user: 'ana', from: '2026-01-01T09:00', until: '2026-01-01T10:00', zone: 'Europe/Berlin' }), {
    input: { user: 'ana', from: '2026-01-01T08:00:00.000Z', until: '2026-01-01T09:00:00.000Z', reason: FORM_REASON },
  });
});

test('no zone is UTC; an empty reason is the form’s own', () => {
  assert.deepEqual(
    read({ user: 'ana', from: '2026-06-01T12:00', until: '2026-06-01T18:30', zone: ' ', reason: '  ' }),
    {
      input: { user: 'ana', from: '2026-06-01T12:00:00.000Z', until: '2026-06-01T18:30:00.000Z', reason: FORM_REASON },
    },
  );
});

test('malformed and hostile dates and zones are refused with the field at fault', () => {
  const fault = (fields: Record<string, string>) => {
    const out = read({ user: 'ana', from: '2026-06-01T12:00', until: '2026-06-01T18:00', ...fields });
    return 'fault' in out ? out.fault.field : 'accepted';
  };
  assert.equal(fault({ zone: 'Mars/Olympus' }), 'zone');
  assert.equal(fault({ zone: `Europe/${'x'.repeat(100)}` }), 'zone');
  assert.equal(fault({ zone: '<script>alert(1)</script>' }), 'zone');
  assert.equal(fault({ from: '2026-02-30T12:00' }), 'from');
  assert.equal(fault({ from: '2026-06-01T24:00' }), 'from');
  assert.equal(fault({ from: '2026-06-01T12:00:00Z' }), 'from');
  assert.equal(fault({ from: '' }), 'from');
  assert.equal(fault({ until: 'tomorrow' }), 'until');
  assert.equal(fault({ until: `2026-06-01T18:00${'0'.repeat(10_000)}` }), 'until');
  assert.equal(fault({}), 'accepted');
});

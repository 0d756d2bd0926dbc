import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RotationSpec, rotationOf, rotationSpecIssues, turnLength } from './rotation-definition.ts';
import { DAY, HOUR, parseLocalDateTime } from './wall-clock.ts';

const spec = (over: Partial<RotationSpec> = {}, layer: Partial<RotationSpec['layers'][number]> = {}): RotationSpec => ({
  owner: 'group:checkout',
  timeZone: 'Europe/Berlin',
  layers: [{ start: '2025-01-06T09:00', turn: 'weekly', participants: ['ana', 'ben'], ...layer }],
  ...over,
});

describe('rotationSpecIssues', () => {
  it('accepts a well-formed rotation', () => {
    assert.deepEqual(rotationSpecIssues(spec({}, { restrictions: [{ from: '09:00', to: '17:00' }] })), []);
  });

  it('names the zone, times, end and turn it cannot use, each at its path', () => {
    const issues = rotationSpecIssues(
      spec(
        { timeZone: 'Mars/Base' },
        {
          start: '2025-02-30T09:00',
          end: '2024-01-01T00:00',
          turn: '14w',
          restrictions: [{ from: '25:00', to: '9:00' }],
        },
      ),
    );
    assert.deepEqual(
      issues.map((i) => [i.code, i.path.join('.')]),
      [
        ['unknown-time-zone', 'timeZone'],
        ['invalid-local-time', 'layers.0.start'],
        ['turn-too-long', 'layers.0.turn'],
        ['invalid-time-of-day', 'layers.0.restrictions.0.from'],
        ['invalid-time-of-day', 'layers.0.restrictions.0.to'],
      ],
    );
    assert.deepEqual(
      rotationSpecIssues(spec({}, { end: '2025-01-06T09:00' })).map((i) => i.path.join('.')),
      ['layers.0.end'],
      'an end at the start is not after it',
    );
  });
});

describe('rotationOf', () => {
  it('turns a spec into a schedule: local times, turn lengths, weekdays, participant keys', () => {
    const rotation = rotationOf(
      spec({}, { turn: '12h', restrictions: [{ days: ['mon', 'sun'], from: '09:00', to: '17:30' }] }),
      (ref) => `user:default/${ref}`,
    );
    assert.deepEqual(rotation, {
      timeZone: 'Europe/Berlin',
      layers: [
        {
          name: 'layer 1',
          start: parseLocalDateTime('2025-01-06T09:00'),
          turn: 12 * HOUR,
          participants: ['user:default/ana', 'user:default/ben'],
          restrictions: [{ days: [1, 7], from: 9 * HOUR, to: 17.5 * HOUR }],
        },
      ],
    });
  });

  it('reads every turn form', () => {
    assert.deepEqual(['daily', 'weekly', '8h', '3d', '2w'].map(turnLength), [
      DAY,
      7 * DAY,
      8 * HOUR,
      3 * DAY,
      14 * DAY,
    ]);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AtriumError } from '../platform/errors.ts';
import { collectDoraFacts, sliceFacts } from './facts.ts';
import type { DoraDeployment } from './model.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 0, 1);

function dep(finishedAt: number, status: DoraDeployment['status'] = 'succeeded'): DoraDeployment {
  return {
    service: 'component:default/checkout',
    environment: 'production',
    status,
    startedAt: finishedAt - HOUR,
    finishedAt,
    commits: [],
  };
}

describe('sliceFacts', () => {
  // A failure on day 1 recovered on day 9, inside a two-week window.
  const facts = collectDoraFacts([dep(T0 + DAY, 'failed'), dep(T0 + 9 * DAY)], { from: T0, to: T0 + 14 * DAY }, [
    'production',
  ]);

  test('an episode recovered after the slice ends is unrecovered in the slice, as in a report of that slice alone', () => {
    assert.deepEqual(facts.episodes, [{ startedAt: T0 + DAY, recoveredAt: T0 + 9 * DAY, incident: false }]);
    assert.deepEqual(sliceFacts(facts, { from: T0, to: T0 + 7 * DAY }).episodes, [
      { startedAt: T0 + DAY, recoveredAt: null, incident: false },
    ]);
    assert.deepEqual(sliceFacts(facts, { from: T0 + 7 * DAY, to: T0 + 14 * DAY }).episodes, []);
  });

  test('a slice keeps its own deployments and no warnings', () => {
    const week2 = sliceFacts(facts, { from: T0 + 7 * DAY, to: T0 + 14 * DAY });
    assert.deepEqual(week2.deployments, [{ finishedAt: T0 + 9 * DAY, failed: false, incident: false }]);
    assert.deepEqual(week2.warnings, []);
    assert.ok(facts.warnings.length > 0);
  });

  test('a slice reaching outside the collected window is a bug, not an empty answer', () => {
    assert.throws(
      () => sliceFacts(facts, { from: T0 - DAY, to: T0 + DAY }),
      (err: unknown) => err instanceof AtriumError && err.category === 'fatal',
    );
    assert.throws(
      () => sliceFacts(facts, { from: T0, to: T0 + 15 * DAY }),
      (err: unknown) => err instanceof AtriumError && err.code === 'dora-slice-outside-window',
    );
  });
});

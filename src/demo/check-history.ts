import type { FinishedRun, WorkOutcome } from '../runners/model.ts';

/**
 * The demo's made-up day of check runs, as runners would have reported them: for
 * `shipments-health`, eu-west-1 slow (degraded) all day and the other locations fast; for
 * `checkout-page`, every location fast until the last three rounds, in which eu-west-1,
 * eu-central-1 and us-east-1 answer 503 (three of five: the check's k). Deterministic:
 * response times come from the round and location, not a random source. Pure.
 */

export const DEMO_LOCATIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-southeast-1'] as const;
const HOUR_MS = 3_600_000;
/** Rounds (hours) of history. */
export const DEMO_ROUNDS = 24;

function ok(ms: number): WorkOutcome {
  return {
    status: 'success',
    summary: `status 200 in ${ms} ms`,
    detail: {
      responseTimeMs: ms,
      timings: {
        dns: 4,
        connect: Math.round(ms / 6),
        tls: Math.round(ms / 4),
        firstByte: Math.round(ms / 3),
        total: ms,
      },
      assertions: [{ assertion: 'status == 200', passed: true, actual: '200' }],
      attempts: 1,
    },
  };
}

function unavailable(ms: number): WorkOutcome {
  return {
    status: 'failure',
    summary: 'status == 200 failed: saw 503',
    detail: {
      responseTimeMs: ms,
      timings: { dns: 4, connect: 20, tls: 31, firstByte: ms - 10, total: ms },
      assertions: [{ assertion: 'status == 200', passed: false, actual: '503' }],
      excerpt:
        '<html><body><h1>503 Service Unavailable</h1>upstream connect error or disconnect/reset before headers</body></html>',
      attempts: 1,
    },
  };
}

/** A stable wobble of ±20 ms from the round and location. */
function wobble(round: number, location: number): number {
  return ((round * 7 + location * 13) % 41) - 20;
}

/** The runs of the day before `now`, oldest first (rounds aligned to the hour). */
export function demoCheckRuns(now: number): FinishedRun[] {
  const last = now - (now % HOUR_MS);
  const runs: FinishedRun[] = [];
  for (let r = DEMO_ROUNDS - 1; r >= 0; r--) {
    const roundMs = last - r * HOUR_MS;
    DEMO_LOCATIONS.forEach((location, l) => {
      const at = roundMs + 1500 + l * 100;
      const health = location === 'eu-west-1' ? ok(520 + wobble(r, l)) : ok(90 + wobble(r, l));
      const failing = r < 3 && l < 3;
      const checkout = failing ? unavailable(180 + wobble(r, l)) : ok(340 + wobble(r, l));
      for (const [check, outcome] of [
        ['check:default/shipments-health', health],
        ['check:default/checkout-page', checkout],
      ] as const)
        runs.push({
          runId: `demo:${check}@${location}@${roundMs}`,
          kind: 'check',
          subject: check,
          dedupKey: `${check}@${location}@${roundMs}`,
          location,
          runner: `demo-${location}`,
          runnerLocation: location,
          attempt: 1,
          startedAt: at - 500,
          finishedAt: at,
          outcome,
        });
    });
  }
  return runs;
}

import type { BackgroundTask } from '../platform/tasks.ts';
import type { JobService } from './service.ts';

/** How often each replica looks for due ticks: a tick is ordered within about this long of its time. */
export const TICK_INTERVAL_MS = 1000;

/**
 * The claim loop runs on every replica each second: which replica orders a tick is decided
 * by the claim row in the database (a conditional update one of them wins), never by a
 * timer alone, so a replica that dies leaves the next tick to the others. Heartbeat checks
 * and owed alerts run once across replicas (each change is conditional anyway).
 */
export function jobTasks(
  jobs: Pick<JobService, 'tick' | 'checkHeartbeats' | 'sendAlerts' | 'prune'>,
): BackgroundTask[] {
  return [
    {
      name: 'job-ticks',
      scope: 'each-replica',
      intervalMs: TICK_INTERVAL_MS,
      component: 'jobs',
      failure: 'claiming job ticks failed',
      run: async () => {
        await jobs.tick();
      },
    },
    {
      name: 'job-heartbeats',
      scope: 'once-across-replicas',
      intervalMs: 5000,
      component: 'jobs',
      failure: 'checking heartbeat jobs failed',
      run: async () => {
        await jobs.checkHeartbeats();
      },
    },
    {
      name: 'job-alerts',
      scope: 'once-across-replicas',
      intervalMs: 5000,
      component: 'jobs',
      failure: 'alerting failed and missed job runs failed',
      run: async () => {
        await jobs.sendAlerts();
      },
    },
    {
      name: 'job-retention',
      scope: 'once-across-replicas',
      intervalMs: 3_600_000,
      component: 'jobs',
      failure: 'pruning old job runs failed',
      run: async () => {
        await jobs.prune();
      },
    },
  ];
}

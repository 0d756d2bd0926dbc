import type { BackgroundTask } from '../platform/tasks.ts';
import type { RunnerService } from './service.ts';

/**
 * Each second: lapsed leases back to the queue, runs past their deadline recorded as
 * missed, the metrics' snapshot refreshed. Once across replicas would do, but every replica
 * running it is safe too: each run's change is a conditional update that one writer wins.
 */
export function runnerTasks(runners: RunnerService): BackgroundTask[] {
  return [
    {
      name: 'runner-lease-expiry',
      scope: 'once-across-replicas',
      intervalMs: 1000,
      component: 'runners',
      failure: 'expiring runner leases and deadlines failed',
      run: async () => {
        await runners.expire();
      },
    },
  ];
}

import { once } from 'node:events';
import type { BackgroundTask } from '../platform/tasks.ts';
import type { RunnerService } from './service.ts';

/**
 * While the server listens, runners' long polls may wait; when it stops, they end at once
 * (RunnerService.close), or the server's shutdown would wait for each poll to run out.
 * Each second: lapsed leases back to the queue, runs past their deadline recorded as
 * missed, the metrics' snapshot refreshed. Each minute: ended runs past their retention
 * deleted. Once across replicas would do, but every replica
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
    {
      // Ended runs a day after they were due: their outcomes are in the checks' and jobs' tables.
      name: 'work-runs-retention',
      scope: 'once-across-replicas',
      intervalMs: 60_000,
      component: 'runners',
      failure: 'deleting ended runs past their retention failed',
      run: async (signal) => {
        await runners.pruneEnded(signal);
      },
    },
    {
      name: 'runner-long-polls',
      scope: 'each-replica',
      startAt: 'listening',
      component: 'runners',
      failure: 'ending the runners’ long polls failed',
      run: async (signal) => {
        if (!signal.aborted) await once(signal, 'abort');
        runners.close();
      },
    },
  ];
}

import type { BackgroundTask } from '../platform/tasks.ts';
import type { CheckService } from './service.ts';

/**
 * The checks' background work. Every replica orders rounds (cheap when the round was ordered:
 * nothing is asked of the database, and the queue keeps one order per dedup key when two
 * replicas order the same round). Publishing status changes to the timeline and pruning are
 * shared work: a second replica doing them too is harmless (a publication's idempotency key
 * makes it a replay; a prune deletes nothing more).
 */
export function checkTasks(checks: Pick<CheckService, 'schedule' | 'publishTransitions' | 'prune'>): BackgroundTask[] {
  return [
    {
      name: 'check-rounds',
      scope: 'each-replica',
      intervalMs: 1000,
      component: 'checks',
      failure: 'ordering check rounds failed',
      run: async () => {
        await checks.schedule();
      },
    },
    {
      name: 'check-timeline',
      scope: 'once-across-replicas',
      intervalMs: 2000,
      component: 'checks',
      failure: 'putting check status changes on the timeline failed',
      run: async () => {
        await checks.publishTransitions();
      },
    },
    {
      name: 'check-retention',
      scope: 'once-across-replicas',
      intervalMs: 3_600_000,
      component: 'checks',
      failure: 'pruning old check runs failed',
      run: async () => {
        await checks.prune();
      },
    },
  ];
}

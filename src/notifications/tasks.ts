import type { BackgroundTask } from '../platform/tasks.ts';
import type { Outbox } from './outbox.ts';

/**
 * Delivering the outbox, each second. Every replica runs it: an entry is claimed before
 * each attempt, so replicas share the work instead of sending twice.
 */
export function notificationTasks(outbox: Outbox): BackgroundTask[] {
  return [
    {
      name: 'notification-delivery',
      scope: 'each-replica',
      intervalMs: 1000,
      component: 'notifications',
      failure: 'delivering notifications failed',
      run: async (signal) => {
        await outbox.deliverDue(signal);
      },
    },
  ];
}

import type { BackgroundTask } from '../platform/tasks.ts';
import type { ChangeService } from './service.ts';

/**
 * Polls for other replicas' writes every second (ChangeService.pollWrites), from the
 * moment the server listens: the first catalog sync and the first reads rely on it.
 */
export function changeTasks(changes: Pick<ChangeService, 'pollWrites'>): BackgroundTask[] {
  return [
    {
      name: 'other-replicas-writes',
      scope: 'each-replica',
      startAt: 'listening',
      intervalMs: 1000,
      component: 'changes',
      failure: 'could not read the newest change ids',
      run: async () => void (await changes.pollWrites()),
    },
  ];
}

import type { BackgroundTask } from '../platform/tasks.ts';
import type { FlagService } from './service.ts';

/**
 * Release plans whose milestone's set time has passed are written down (and put on the
 * timeline) every half minute. Every read already sees the milestone, so the write is
 * shared work: one replica doing it is enough.
 */
export function flagTasks(flags: Pick<FlagService, 'tick'>): BackgroundTask[] {
  return [
    {
      name: 'release-plans',
      scope: 'once-across-replicas',
      intervalMs: 30_000,
      component: 'flags',
      failure: 'could not move release plans on',
      run: async () => void (await flags.tick()),
    },
  ];
}

import type { BackgroundTask } from '../platform/tasks.ts';
import type { DoraService } from './service.ts';

/** Parses the deployment history into memory once start-up is done, before anyone asks; requests meanwhile wait for it. */
export function doraTasks(dora: Pick<DoraService, 'warm'>): BackgroundTask[] {
  return [
    {
      name: 'dora-history',
      scope: 'each-replica',
      component: 'dora',
      failure: 'could not load the deployment history; DORA reads it on demand',
      run: () => dora.warm(),
    },
  ];
}

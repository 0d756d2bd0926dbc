import type { Logger } from '../platform/log.ts';
import type { BackgroundTask } from '../platform/tasks.ts';
import { type PostmortemFileText, publishFiles } from './postmortem-files.ts';
import type { PostmortemService } from './service.ts';

/** How often overdue action items are looked for: a sprint is days long, so minutes are soon enough. */
export const ESCALATION_INTERVAL_MS = 5 * 60_000;

/**
 * Escalation of overdue action items. Every replica runs it; the (item, sprint) row each
 * escalation claims in the database lets exactly one of them notify, once per sprint.
 */
export function postmortemTasks(
  postmortems: Pick<PostmortemService, 'escalate'>,
  intervalMs = ESCALATION_INTERVAL_MS,
): BackgroundTask[] {
  return [
    {
      name: 'postmortem-escalation',
      scope: 'once-across-replicas',
      intervalMs,
      component: 'postmortems',
      failure: 'escalating overdue post-mortem action items failed',
      run: async () => {
        await postmortems.escalate();
      },
    },
  ];
}

/** How often post-mortem files beside services are looked at: a file edited and merged shows on its incident within a minute. */
export const FILES_INTERVAL_MS = 60_000;

/**
 * Publishes post-mortem files found in the services' docs (postmortem-files.ts) onto their
 * incidents. One replica does it (its checkout is the syncer's, as the catalog's is);
 * problems are logged at file:line once until they change.
 */
export function postmortemFileTasks(
  postmortems: Parameters<typeof publishFiles>[0],
  read: () => Promise<readonly PostmortemFileText[]>,
  logger?: Logger,
  intervalMs = FILES_INTERVAL_MS,
): BackgroundTask[] {
  const logged = new Map<string, string>();
  return [
    {
      name: 'postmortem-files',
      scope: 'once-across-replicas',
      intervalMs,
      component: 'postmortems',
      failure: 'publishing post-mortem files failed',
      run: async () => {
        await publishFiles(postmortems, await read(), logged, logger);
      },
    },
  ];
}
